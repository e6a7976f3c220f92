#include "report/attribution.hpp"

#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "model/parameters.hpp"
#include "report/forecast.hpp"
#include "report/temporary_folder.hpp"
#include "uncertainty/compare.hpp"

namespace averted::report {
namespace {

// The scenario as it ran, rebuilt from the merged YAML stored in the results file; its
// hash must be the stored one, or the runs would not reproduce the file's.
Scenario rebuild(const Forecast& f, std::size_t s, const std::filesystem::path& work) {
  const auto path = work / fmt::format("{}-{}.yaml", f.file.stem().string(), s);
  std::ofstream(path) << f.scenarios[s].merged_yaml;
  Scenario sc = load_scenario(path, standard_parameters());
  if (sc.hash() != f.scenarios[s].hash) {
    throw std::runtime_error(fmt::format(
        "{}: scenario {} ('{}') rebuilt from its stored settings has hash {}, not the stored {}: this version of "
        "Averted reads the settings differently, so it cannot rerun that forecast",
        f.file.string(), s, f.scenarios[s].name, sc.hash(), f.scenarios[s].hash));
  }
  return sc;
}

void copy_setting(Scenario& to, const Scenario& from, const std::string& path) {
  const Setting& s = from.setting(path);
  if (s.distribution) {
    to.set_distribution(path, *s.distribution, s.origin);
  } else {
    to.set(path, s.value, s.origin);
  }
}

}  // namespace

std::vector<Attribution> attribute(const Forecast& a, const Forecast& b,
                                   const std::vector<std::pair<std::size_t, std::size_t>>& matched,
                                   const std::vector<std::string>& paths, const std::filesystem::path& work,
                                   int threads, const std::function<void(const std::string&)>& say) {
  const TemporaryFolder folder(work);
  const Scenario a0 = rebuild(a, 0, work), b0 = rebuild(b, 0, work);
  std::vector<Scenario> as, bs;
  for (const auto& [s, t] : matched) {
    as.push_back(rebuild(a, s, work));
    bs.push_back(rebuild(b, t, work));
  }
  const std::size_t n = std::size_t{a.draws} * a.replicates;
  std::vector<Attribution> out;
  for (const auto& path : paths) {
    if (say) say(fmt::format("rerunning A with only {} as in B", path));
    CompareRequest req;
    EnsembleRequest& e = req.ensemble;
    e.scenarios.push_back(a0);
    copy_setting(e.scenarios.back(), b0, path);
    for (std::size_t k = 0; k < matched.size(); ++k) {
      e.scenarios.push_back(as[k]);
      copy_setting(e.scenarios.back(), bs[k], path);
    }
    e.master_seed = a.master_seed;
    e.draws = a.draws;
    e.replicates = a.replicates;
    e.sample_parameters = a.sampled_parameters;
    e.threads = threads;
    e.output = work / "attribution.h5";
    e.command_line = "averted report --attribute (" + path + ")";
    req.from_year = a.from;
    req.to_year = a.to;
    req.write_csv = false;
    const CompareResult r = run_comparison(req);
    if (!r.complete || !r.summaries) throw std::runtime_error("a rerun for " + path + " did not finish");
    Attribution at{path, {}, {}, {}};
    for (std::size_t k = 0; k < matched.size(); ++k) {
      std::vector<double> change(n);
      for (std::size_t i = 0; i < n; ++i) {
        change[i] = r.summaries->averted_pairs[(k + 1) * n + i] - a.averted_pairs[matched[k].first * n + i];
      }
      double sum = 0;
      for (double x : change) sum += x;
      at.mean.push_back(sum / static_cast<double>(n));
      at.lower.push_back(quantile(change, 0.025));
      at.upper.push_back(quantile(change, 0.975));
    }
    out.push_back(std::move(at));
  }
  return out;
}

}  // namespace averted::report
