// Writes a small example results file for the read_results_py test (and for trying out
// analysis/read_results.py): 3 scenarios x 4 draws x 5 replicates, with
//   deaths        int64   [year, cause, age_band]
//   person_years  float64 [year]
// Usage: write_example_results [--no-finalize] OUTPUT.h5
// With --no-finalize the file is left as OUTPUT.h5.partial (complete = 0).
#include <cstdint>
#include <cstdio>
#include <exception>
#include <random>
#include <string>
#include <vector>

#include "results/results_file.hpp"

using namespace averted;

int main(int argc, char** argv) {
  bool finalize = true;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--no-finalize")
      finalize = false;
    else
      out = a;
  }
  if (out.empty()) {
    std::fprintf(stderr, "usage: %s [--no-finalize] OUTPUT.h5\n", argv[0]);
    return 2;
  }
  try {
    ResultsLayout L;
    L.scenarios = {"baseline", "naloxone", "naloxone_and_treatment"};
    L.draws = 4;
    L.replicates = 5;
    const Dimension year{"year", {"2020", "2021", "2022", "2023", "2024"}};
    L.tables.push_back(TableSpec{"deaths",
                                 "deaths",
                                 "Deaths by year, cause and age band.",
                                 CellType::Int64,
                                 {year, Dimension{"cause", {"drug_poisoning", "other"}},
                                  Dimension{"age_band", {"15-34", "35-54", "55+"}}}});
    L.tables.push_back(TableSpec{
        "person_years", "person-years", "Person-years lived by year.", CellType::Float64, {year}});

    Provenance p;
    p.code_version = "example";
    p.command_line = "write_example_results " + out;
    p.created_utc = "2024-01-01T00:00:00Z";
    p.host = "example-host";
    p.master_seed = 20240101;
    p.step_plan = "ageing\nmortality\ntreatment";
    for (const auto& s : L.scenarios) {
      p.scenario_files.push_back("scenarios/example/" + s + ".yaml");
      p.scenario_hashes.push_back("hash-of-" + s);
      p.merged_yaml.push_back("name: " + s + "\n");
    }

    auto f = ResultsFile::create(out, L, p);
    for (std::uint32_t s = 0; s < L.scenarios.size(); ++s)
      for (std::uint32_t d = 0; d < L.draws; ++d)
        for (std::uint32_t r = 0; r < L.replicates; ++r) {
          // Common random numbers across scenarios; each later scenario averts ~15% of
          // drug-poisoning deaths.
          std::mt19937_64 rng(1000 * d + r);
          const double rate = 40.0 * (1.0 + 0.1 * d);
          std::vector<std::int64_t> deaths;
          for (std::size_t y = 0; y < 5; ++y)
            for (std::size_t c = 0; c < 2; ++c)
              for (std::size_t a = 0; a < 3; ++a) {
                const double effect = c == 0 ? 1.0 - 0.15 * s : 1.0;
                std::poisson_distribution<std::int64_t> pois(rate * effect * (1.0 + 0.05 * y) *
                                                             (a + 1));
                deaths.push_back(pois(rng));
              }
          std::vector<double> py;
          for (std::size_t y = 0; y < 5; ++y) py.push_back(10000.0 - 12.5 * y + 0.25 * s);
          RunOutputs o;
          o.tables.emplace_back(std::move(deaths));
          o.tables.emplace_back(std::move(py));
          f.write_run(s, d, r, o);
        }
    if (finalize) f.finalize();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_example_results: %s\n", e.what());
    return 1;
  }
  return 0;
}
