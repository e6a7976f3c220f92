#include "run/ensemble.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

#include "core/version.hpp"
#include "model/england_model.hpp"
#include "results/results_file.hpp"

namespace averted {
namespace {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buf;
}

std::string host_name() {
  char buf[256] = {0};
  return gethostname(buf, sizeof buf - 1) == 0 ? std::string(buf) : std::string("unknown");
}

}  // namespace

std::string describe_plan(const EnsembleRequest& req) {
  std::string out = fmt::format("grid: {} scenario(s) x 1 parameter draw x {} replicate(s), master seed {}\n",
                                req.scenarios.size(), req.replicates, req.master_seed);
  for (std::size_t s = 0; s < req.scenarios.size(); ++s) {
    out += fmt::format("  scenario {}: {} ({}){}\n", s, req.scenarios[s].text("scenario.name"),
                       req.scenarios[s].files().empty() ? "defaults" : req.scenarios[s].files().back().string(),
                       s == 0 ? " [comparator]" : "");
  }
  const auto model = england::make_model(req.scenarios.front());
  out += "each step:\n";
  int k = 1;
  for (const auto& line : step_plan(*model)) out += fmt::format("  {}. {}\n", k++, line);
  return out;
}

EnsembleSummary run_ensemble(const EnsembleRequest& req,
                             const std::function<void(const RunProgress&)>& progress) {
  if (req.scenarios.empty()) throw std::invalid_argument("no scenario to run");
  // Every scenario must produce tables of the same shape to share one file.
  std::vector<std::unique_ptr<Model>> models;
  for (const auto& s : req.scenarios) models.push_back(england::make_model(s));
  ResultsLayout layout;
  for (const auto& s : req.scenarios) layout.scenarios.push_back(s.text("scenario.name"));
  layout.draws = 1;
  layout.replicates = req.replicates;
  for (const auto& t : models.front()->outputs()) layout.tables.push_back(t.spec);
  for (std::size_t s = 1; s < models.size(); ++s) {
    const auto& a = models.front()->outputs();
    const auto& b = models[s]->outputs();
    for (std::size_t t = 0; t < a.size(); ++t) {
      if (a[t].spec.size() != b[t].spec.size()) {
        throw std::invalid_argument(fmt::format(
            "scenario '{}' has a different calendar or output period from '{}' (table {}); scenarios run "
            "together must share run.start_year, run.end_year, run.steps_per_year and output.weekly",
            layout.scenarios[s], layout.scenarios[0], a[t].spec.name));
      }
    }
  }

  Provenance prov;
  prov.code_version = code_version();
  prov.command_line = req.command_line;
  prov.created_utc = utc_now();
  prov.host = host_name();
  prov.master_seed = req.master_seed;
  prov.step_plan = describe_plan(req);
  for (const auto& s : req.scenarios) {
    prov.scenario_files.push_back(s.files().empty() ? "" : s.files().back().string());
    prov.scenario_hashes.push_back(s.hash());
    prov.merged_yaml.push_back(s.merged_yaml());
  }

  ResultsFile file = ResultsFile::create(req.output, layout, prov);
  EnsembleSummary summary;
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint32_t runs = static_cast<std::uint32_t>(req.scenarios.size()) * req.replicates;
  std::uint32_t run = 0;
  for (std::uint32_t r = 0; r < req.replicates; ++r) {
    for (std::size_t s = 0; s < req.scenarios.size(); ++s) {
      ++run;
      auto model = england::make_model(req.scenarios[s]);
      RunSettings settings;
      settings.clock = england::clock_from(req.scenarios[s]);
      settings.key = StreamKey{req.master_seed, 0, r};
      settings.threads = req.threads;
      settings.check_invariants = req.check_invariants;
      if (progress) {
        settings.progress = [&, s, r](std::uint32_t step, std::uint32_t steps) {
          progress({run, runs, layout.scenarios[s], r, step, steps,
                    settings.clock.start_year + static_cast<int>(step / settings.clock.steps_per_year)});
        };
      }
      RunStats stats;
      const RunOutputs out = run_simulation(*model, settings, &stats);
      file.write_run(static_cast<std::uint32_t>(s), 0, r, out);
      summary.runs.push_back(stats);
    }
  }
  file.finalize();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace averted
