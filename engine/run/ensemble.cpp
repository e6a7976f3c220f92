#include "run/ensemble.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>

#include "core/version.hpp"
#include "model/england_model.hpp"
#include "results/results_file.hpp"
#include "run/distributed.hpp"
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
  std::string draws = !req.parameter_sets.empty()
                          ? fmt::format("{} parameter draw{} (sets from a calibration posterior)", req.draws,
                                        req.draws == 1 ? "" : "s")
                      : req.sample_parameters
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
    out += "posterior parameters (set d in draw d of every scenario):";
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
  // Every scenario must produce tables of the same shape to share one file. Each model
  // is compared with the first and dropped: a model holds two thread-local keys, of
  // which a process has about a thousand, so models are never all alive at once.
  const auto first = england::make_model(req.scenarios.front());
  ResultsLayout layout;
  for (const auto& s : req.scenarios) layout.scenarios.push_back(s.text("scenario.name"));
  layout.draws = req.draws;
  layout.replicates = req.replicates;
  const auto& a = first->outputs();
  for (const auto& t : a) layout.tables.push_back(t.spec);
  for (std::size_t s = 1; s < req.scenarios.size(); ++s) {
    const auto model = england::make_model(req.scenarios[s]);
    const auto& b = model->outputs();
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

namespace {

// Tasks and results as bytes (the same build on the same kind of machine reads them).
class Bytes {
 public:
  template <typename T>
  void put(const T& v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  template <typename T>
  void put_array(const std::vector<T>& v) {
    put<std::uint64_t>(v.size());
    out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(const std::string& in) : in_(in) {}
  template <typename T>
  T get() {
    T v;
    std::memcpy(&v, take(sizeof v), sizeof v);
    return v;
  }
  template <typename T>
  std::vector<T> get_array() {
    const auto n = get<std::uint64_t>();
    if (n > (in_.size() - at_) / sizeof(T)) fail();
    std::vector<T> v(n);
    if (n > 0) std::memcpy(v.data(), take(n * sizeof(T)), n * sizeof(T));
    return v;
  }
  void finish() const {
    if (at_ != in_.size()) fail();
  }

 private:
  const char* take(std::size_t n) {
    if (in_.size() - at_ < n) fail();
    at_ += n;
    return in_.data() + at_ - n;
  }
  [[noreturn]] static void fail() {
    throw std::runtime_error("a run's outputs arrived damaged (wrong size) from another process");
  }
  const std::string& in_;
  std::size_t at_ = 0;
};

struct RunTask {
  std::uint32_t scenario, draw, replicate;
};

std::string encode(const RunTask& t) {
  Bytes b;
  b.put(t.scenario);
  b.put(t.draw);
  b.put(t.replicate);
  return b.take();
}

RunTask decode_task(const std::string& bytes) {
  Reader in(bytes);
  RunTask t{in.get<std::uint32_t>(), in.get<std::uint32_t>(), in.get<std::uint32_t>()};
  in.finish();
  return t;
}

std::string encode(const RunStats& stats, const RunOutputs& outputs) {
  Bytes b;
  b.put(stats.person_steps);
  b.put(stats.events);
  b.put(stats.redraws);
  b.put(stats.people);
  b.put(stats.seconds);
  b.put<std::uint64_t>(outputs.tables.size());
  for (const auto& table : outputs.tables) {
    b.put<std::uint8_t>(static_cast<std::uint8_t>(table.index()));
    std::visit([&](const auto& values) { b.put_array(values); }, table);
  }
  return b.take();
}

void decode_result(const std::string& bytes, RunStats& stats, RunOutputs& outputs) {
  Reader in(bytes);
  stats.person_steps = in.get<std::uint64_t>();
  stats.events = in.get<std::uint64_t>();
  stats.redraws = in.get<std::uint64_t>();
  stats.people = in.get<PersonId>();
  stats.seconds = in.get<double>();
  const auto n = in.get<std::uint64_t>();
  outputs.tables.clear();
  for (std::uint64_t t = 0; t < n; ++t) {
    const auto type = in.get<std::uint8_t>();  // the variant's index: 0 int64, 1 float64
    if (type == 0) {
      outputs.tables.emplace_back(in.get_array<std::int64_t>());
    } else if (type == 1) {
      outputs.tables.emplace_back(in.get_array<double>());
    } else {
      throw std::runtime_error("a run's outputs arrived damaged (unknown table type) from another process");
    }
  }
  in.finish();
}

// AVERTED_FAIL_RUN=scenario,draw,replicate: the run to fail (fault injection).
std::optional<RunTask> injected_failure() {
  const char* v = std::getenv("AVERTED_FAIL_RUN");
  if (!v || !*v) return std::nullopt;
  RunTask t{};
  char end = 0;
  if (std::sscanf(v, "%u,%u,%u%c", &t.scenario, &t.draw, &t.replicate, &end) != 3) {
    throw std::invalid_argument(fmt::format(
        "environment variable AVERTED_FAIL_RUN: got '{}', expected scenario,draw,replicate as three "
        "0-based whole numbers (e.g. 1,0,2); unset it unless you are testing failures",
        v));
  }
  return t;
}

// One run of the grid, with step progress when given.
std::string compute_run(const EnsembleRequest& req, const Scenario& scenario, const RunTask& t,
                        const std::function<void(std::uint32_t, std::uint32_t)>& step_progress) {
  auto model = england::make_model(scenario);
  RunSettings settings;
  settings.clock = england::clock_from(scenario);
  settings.key = StreamKey{req.master_seed, t.draw, t.replicate};
  settings.threads = req.threads;
  settings.check_invariants = req.check_invariants;
  settings.progress = step_progress;
  RunStats stats;
  const RunOutputs out = run_simulation(*model, settings, &stats);
  return encode(stats, out);
}

// The evaluator of run tasks; `step_progress(task, step, steps)` if given.
std::function<std::string(const std::string&)> make_evaluator(
    const EnsembleRequest& req,
    std::function<void(const RunTask&, const Clock&, std::uint32_t, std::uint32_t)> step_progress) {
  // The scenarios with draw d's parameters: tasks come draw by draw, so one is kept.
  struct Drawn {
    std::uint32_t draw = 0;
    std::vector<Scenario> scenarios;
  };
  auto drawn = std::make_shared<Drawn>();
  const auto fault = injected_failure();
  return [&req, drawn, fault, step_progress = std::move(step_progress)](const std::string& bytes) {
    const RunTask t = decode_task(bytes);
    if (t.scenario >= req.scenarios.size()) throw std::out_of_range("a run task for a scenario not in the grid");
    if (fault && fault->scenario == t.scenario && fault->draw == t.draw && fault->replicate == t.replicate) {
      throw std::runtime_error(fmt::format("injected fault (AVERTED_FAIL_RUN={},{},{})", t.scenario, t.draw,
                                           t.replicate));
    }
    const Scenario* scenario = &req.scenarios[t.scenario];
    if (req.sample_parameters || !req.parameter_sets.empty()) {
      if (drawn->scenarios.empty() || drawn->draw != t.draw) {
        drawn->scenarios.clear();
        for (const auto& sc : req.scenarios) {
          drawn->scenarios.push_back(req.sample_parameters ? sample_parameters(sc, req.master_seed, t.draw) : sc);
          if (!req.parameter_sets.empty()) apply_parameter_set(drawn->scenarios.back(), req.parameter_sets.at(t.draw));
        }
        drawn->draw = t.draw;
      }
      scenario = &drawn->scenarios[t.scenario];
    }
    std::function<void(std::uint32_t, std::uint32_t)> progress;
    if (step_progress) {
      const Clock clock = england::clock_from(*scenario);
      progress = [&step_progress, t, clock](std::uint32_t step, std::uint32_t steps) {
        step_progress(t, clock, step, steps);
      };
    }
    return compute_run(req, *scenario, t, progress);
  };
}

}  // namespace

std::function<std::string(const std::string& task)> ensemble_evaluator(const EnsembleRequest& request) {
  return make_evaluator(request, {});
}

EnsembleSummary run_ensemble(const EnsembleRequest& req,
                             const std::function<void(const RunProgress&)>& progress,
                             const EnsembleHooks& hooks) {
  const ResultsLayout layout = ensemble_layout(req);
  ResultsFile file = ResultsFile::create(req.output, layout, ensemble_provenance(req), req.resume);
  EnsembleSummary summary;
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  const auto n_scenarios = static_cast<std::uint32_t>(req.scenarios.size());
  // The order of work: replicate by replicate, then draw, then scenario.
  std::vector<RunTask> todo;
  for (std::uint32_t r = 0; r < req.replicates; ++r) {
    for (std::uint32_t d = 0; d < req.draws; ++d) {
      for (std::uint32_t s = 0; s < n_scenarios; ++s) {
        if (!file.has_run(s, d, r)) todo.push_back({s, d, r});
      }
    }
  }
  summary.skipped = static_cast<std::uint32_t>(file.runs_done());
  const auto to_do = static_cast<std::uint32_t>(todo.size());
  // With stop_after, only the first runs are done this session (the .partial stays).
  const std::size_t limit = req.stop_after > 0 ? std::min<std::size_t>(req.stop_after, todo.size()) : todo.size();

  // Progress: step by step when runs are computed here one after another; when they
  // are spread over MPI ranks, as each run comes in.
  const DistributedSession* session = current_session();
  const bool spread = session && session->size() > 1;
  std::uint32_t started = 0, finished = 0;
  std::function<void(const RunTask&, const Clock&, std::uint32_t, std::uint32_t)> step_progress;
  if (progress && !spread) {
    step_progress = [&](const RunTask& t, const Clock& clock, std::uint32_t step, std::uint32_t steps) {
      progress({started, to_do, layout.scenarios[t.scenario], t.draw, t.replicate, step, steps,
                clock.start_year + static_cast<int>(step / clock.steps_per_year)});
    };
  }
  const auto evaluate_run = make_evaluator(req, step_progress);
  const std::function<std::string(const std::string&)> evaluate = [&](const std::string& task) {
    ++started;
    return evaluate_run(task);
  };

  std::vector<RunFailure> failures;
  auto run_batch = [&](std::size_t begin, std::size_t end) {
    std::vector<std::string> tasks;
    for (std::size_t i = begin; i < end; ++i) tasks.push_back(encode(todo[i]));
    evaluate_tasks(tasks, evaluate, [&](std::size_t i, TaskResult&& result) {
      const RunTask& t = todo[begin + i];
      ++finished;
      if (!result.ok) {
        failures.push_back({t.scenario, t.draw, t.replicate, result.data});
        std::cerr << fmt::format("averted: run failed (the others go on): scenario {} '{}', draw {}, replicate {}: {}\n",
                                 t.scenario, layout.scenarios[t.scenario], t.draw, t.replicate, result.data);
        return;
      }
      RunStats stats;
      RunOutputs out;
      decode_result(result.data, stats, out);
      file.write_run(t.scenario, t.draw, t.replicate, out);
      if (hooks.on_run) hooks.on_run(t.scenario, t.draw, t.replicate, out);
      if (req.observe_run) req.observe_run(t.scenario, t.draw, t.replicate, out);
      summary.runs.push_back(stats);
      if (spread && progress) {
        const Clock clock = england::clock_from(req.scenarios[t.scenario]);
        progress({finished, to_do, layout.scenarios[t.scenario], t.draw, t.replicate, clock.steps(), clock.steps(),
                  clock.end_year});
      }
    });
    if (failures.empty()) return;
    std::string what = fmt::format("{} of {} run(s) failed; the {} that succeeded are in {}:\n", failures.size(),
                                   end - begin, end - begin - failures.size(), file.partial_path().string());
    for (const auto& f : failures) {
      what += fmt::format("  scenario {} '{}', draw {}, replicate {}: {}\n", f.scenario, layout.scenarios[f.scenario],
                          f.draw, f.replicate, f.message);
    }
    what += "Run the same command again with --resume to compute only the missing runs.";
    throw RunsFailed(what, failures);
  };

  // Without an `enough` hook the whole grid is one batch (the most even spread over
  // ranks); with one, one replicate at a time, so that it can stop after any.
  std::size_t begin = 0;
  for (std::uint32_t r = 0; r < req.replicates; ++r) {
    std::size_t end = begin;
    while (end < todo.size() && (!hooks.enough || todo[end].replicate == r)) ++end;
    run_batch(begin, std::min(end, limit));
    if (end > limit) {  // stopped by stop_after
      summary.seconds = elapsed();
      return summary;
    }
    begin = end;
    if (!hooks.enough) r = req.replicates - 1;  // every replicate was in that batch
    summary.replicates_done = r + 1;
    if (hooks.enough && r + 1 < req.replicates && hooks.enough(r + 1)) {
      summary.seconds = elapsed();
      return summary;
    }
  }
  if (hooks.before_finalize) hooks.before_finalize(file);
  if (req.observe_finalize) req.observe_finalize(file, req.replicates);
  file.finalize();
  summary.complete = true;
  summary.seconds = elapsed();
  return summary;
}

}  // namespace averted
