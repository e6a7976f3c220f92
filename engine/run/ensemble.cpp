#include "run/ensemble.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

#include "core/version.hpp"
#include "model/england_model.hpp"
#include "results/results_file.hpp"
#include "uncertainty/parameter_draws.hpp"

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

void apply_parameter_set(Scenario& scenario, const std::vector<std::pair<std::string, double>>& values) {
  for (const auto& [path, value] : values) {
    if (scenario.setting(path).distribution) {
      scenario.set_drawn_value(path, value);
    } else {
      scenario.set(path, value, Origin{"calibration posterior", 0});
    }
  }
}

std::string describe_plan(const EnsembleRequest& req) {
  std::string draws = req.sample_parameters
                          ? fmt::format("{} parameter draw{} (sampled from each parameter's distribution)",
                                        req.draws, req.draws == 1 ? "" : "s")
                          : std::string("1 parameter draw");
  std::string out = fmt::format("grid: {} scenario(s) x {} x {} replicate(s), master seed {}\n",
                                req.scenarios.size(), draws, req.replicates, req.master_seed);
  for (std::size_t s = 0; s < req.scenarios.size(); ++s) {
    out += fmt::format("  scenario {}: {} ({}){}\n", s, req.scenarios[s].text("scenario.name"),
                       req.scenarios[s].files().empty() ? "defaults" : req.scenarios[s].files().back().string(),
                       s == 0 ? " [comparator]" : "");
  }
  if (!req.parameter_sets.empty()) {
    out += fmt::format("parameter draws: {} sets from a calibration posterior (every scenario gets set d in draw d):",
                       req.parameter_sets.size());
    for (const auto& [path, value] : req.parameter_sets.front()) out += " " + path;
    out += "\n";
  }
  if (req.sample_parameters) {
    out += "uncertain parameters (draw d is the same in every scenario):\n";
    for (std::size_t s = 0; s < req.scenarios.size(); ++s) {
      for (const auto& [path, setting] : req.scenarios[s].settings()) {
        if (!setting.distribution) continue;
        out += fmt::format("  scenario {}: {} ~ {} (source: {})\n", s, path, setting.distribution->describe(),
                           setting.distribution->source);
      }
    }
  }
  const auto model = england::make_model(req.scenarios.front());
  out += "each step:\n";
  int k = 1;
  for (const auto& line : step_plan(*model)) out += fmt::format("  {}. {}\n", k++, line);
  return out;
}

ResultsLayout ensemble_layout(const EnsembleRequest& req) {
  if (req.scenarios.empty()) throw std::invalid_argument("no scenario to run");
  if (!req.parameter_sets.empty() && req.parameter_sets.size() != req.draws) {
    throw std::invalid_argument(fmt::format("{} parameter sets for {} draws", req.parameter_sets.size(), req.draws));
  }
  if (!req.sample_parameters && req.parameter_sets.empty() && req.draws != 1) {
    throw std::invalid_argument("more than one parameter draw needs sampled parameters");
  }
  if (req.draws == 0 || req.replicates == 0) throw std::invalid_argument("draws and replicates must be at least 1");
  // Every scenario must produce tables of the same shape to share one file.
  std::vector<std::unique_ptr<Model>> models;
  for (const auto& s : req.scenarios) models.push_back(england::make_model(s));
  ResultsLayout layout;
  for (const auto& s : req.scenarios) layout.scenarios.push_back(s.text("scenario.name"));
  layout.draws = req.draws;
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
  return layout;
}

Provenance ensemble_provenance(const EnsembleRequest& req) {
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
  return prov;
}

EnsembleSummary run_ensemble(const EnsembleRequest& req,
                             const std::function<void(const RunProgress&)>& progress,
                             const EnsembleHooks& hooks) {
  const ResultsLayout layout = ensemble_layout(req);
  ResultsFile file = ResultsFile::create(req.output, layout, ensemble_provenance(req), req.resume);
  EnsembleSummary summary;
  const auto t0 = std::chrono::steady_clock::now();
  const auto n_scenarios = static_cast<std::uint32_t>(req.scenarios.size());
  const std::uint32_t runs = n_scenarios * req.draws * req.replicates;
  summary.skipped = static_cast<std::uint32_t>(file.runs_done());
  const std::uint32_t to_do = runs - summary.skipped;
  std::uint32_t run = 0, written = 0;
  // The parameters of draw d, per scenario: sampled once per draw, not per run.
  std::vector<std::vector<Scenario>> drawn(req.draws);
  auto scenario_of = [&](std::uint32_t s, std::uint32_t d) -> const Scenario& {
    if (!req.sample_parameters && req.parameter_sets.empty()) return req.scenarios[s];
    if (drawn[d].empty()) {
      for (const auto& sc : req.scenarios) {
        drawn[d].push_back(req.sample_parameters ? sample_parameters(sc, req.master_seed, d) : sc);
        if (!req.parameter_sets.empty()) apply_parameter_set(drawn[d].back(), req.parameter_sets[d]);
      }
    }
    return drawn[d][s];
  };
  for (std::uint32_t r = 0; r < req.replicates; ++r) {
    for (std::uint32_t d = 0; d < req.draws; ++d) {
      for (std::uint32_t s = 0; s < n_scenarios; ++s) {
        if (file.has_run(s, d, r)) continue;
        if (req.stop_after > 0 && written == req.stop_after) {
          summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          return summary;  // the .partial stays, for a later resume
        }
        ++run;
        const Scenario& scenario = scenario_of(s, d);
        auto model = england::make_model(scenario);
        RunSettings settings;
        settings.clock = england::clock_from(scenario);
        settings.key = StreamKey{req.master_seed, d, r};
        settings.threads = req.threads;
        settings.check_invariants = req.check_invariants;
        if (progress) {
          settings.progress = [&, s, d, r](std::uint32_t step, std::uint32_t steps) {
            progress({run, to_do, layout.scenarios[s], d, r, step, steps,
                      settings.clock.start_year + static_cast<int>(step / settings.clock.steps_per_year)});
          };
        }
        RunStats stats;
        const RunOutputs out = run_simulation(*model, settings, &stats);
        file.write_run(s, d, r, out);
        ++written;
        if (hooks.on_run) hooks.on_run(s, d, r, out);
        if (req.observe_run) req.observe_run(s, d, r, out);
        summary.runs.push_back(stats);
      }
    }
    summary.replicates_done = r + 1;
    if (hooks.enough && r + 1 < req.replicates && hooks.enough(r + 1)) {
      summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return summary;
    }
  }
  if (hooks.before_finalize) hooks.before_finalize(file);
  if (req.observe_finalize) req.observe_finalize(file, req.replicates);
  file.finalize();
  summary.complete = true;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace averted
