#include "calibration/cli.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "calibration/abc_smc.hpp"
#include "calibration/backtest.hpp"
#include "calibration/observed.hpp"
#include "core/random.hpp"
#include "model/england_model.hpp"
#include "model/parameters.hpp"
#include "run/distributed.hpp"
#include "run/ensemble.hpp"

namespace averted::calibration {

struct Cli::State {
  CLI::App* calibrate = nullptr;
  CLI::App* backtest = nullptr;
  // calibrate / backtest
  std::string scenario, targets, output, parameters;
  int until = 0;
  AbcSettings abc;
  std::uint32_t forecast_draws = 0;
  bool quiet = false;
  // run / compare
  std::string posterior, run_targets;
  std::unique_ptr<ObservedWriter> observed;
};

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitInvalid = 3;

Scenario load_checked(const std::string& file) {
  Scenario s = load_scenario(file, standard_parameters());
  if (auto errors = check_consistency(s); !errors.empty()) throw ScenarioErrors(std::move(errors), file);
  return s;
}

std::vector<std::string> split_paths(const std::string& list) {
  std::vector<std::string> out;
  std::string item;
  for (const char c : list + ",") {
    if (c == ',') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else if (c != ' ') {
      item += c;
    }
  }
  return out;
}

// Progress on stderr: one line per generation when not a terminal.
struct Printer {
  bool tty = isatty(STDERR_FILENO) != 0;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now(), last{};
  void operator()(const AbcProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    const bool end = p.done == p.tasks;
    if (!end && std::chrono::duration<double>(now - last).count() < (tty ? 0.5 : 30.0)) return;
    last = now;
    std::fprintf(stderr, "%sgeneration %u/%u: %zu/%zu model runs, %.0f s so far%s", tty ? "\r" : "", p.generation + 1,
                 p.generations, p.done, p.tasks, std::chrono::duration<double>(now - start).count(),
                 tty && !end ? "   " : "\n");
  }
};

std::string parameter_summary(const Posterior& last) {
  std::string out = fmt::format("{:<44} {:>12} {:>12} {:>12}\n", "parameter", "mean", "2.5%", "97.5%");
  for (std::size_t k = 0; k < last.paths.size(); ++k) {
    std::vector<std::pair<double, double>> vw;
    double mean = 0;
    for (std::size_t i = 0; i < last.rows(); ++i) {
      vw.emplace_back(last.values[i][k], last.weight[i]);
      mean += last.values[i][k] * last.weight[i];
    }
    std::sort(vw.begin(), vw.end());
    auto wq = [&](double q) {
      double c = 0;
      for (const auto& [v, w] : vw) {
        c += w;
        if (c >= q) return v;
      }
      return vw.back().first;
    };
    out += fmt::format("{:<44} {:>12.4g} {:>12.4g} {:>12.4g}\n", last.paths[k], mean, wq(0.025), wq(0.975));
  }
  return out;
}

// Tolerance, chance and effective sample size by generation, and why the fit ended
// (docs/calibration.md: how many generations).
std::string fit_summary(const Posterior& all, const AbcSettings& abc) {
  const std::size_t done = all.tolerance.size();
  std::string out = "tolerance (distance of the N-th closest run) by generation:";
  for (const double t : all.tolerance) out += fmt::format(" {:.4g}", t);
  if (!all.chance.empty()) {
    out += fmt::format("\nchance (95th percentile of {} runs at the weighted mean) by generation:", abc.chance_runs);
    for (const double c : all.chance) out += fmt::format(" {:.4g}", c);
  }
  out += fmt::format("\neffective sample size (of {} particles) by generation:", abc.particles);
  for (std::uint32_t g = 0; g < done; ++g) out += fmt::format(" {:.1f}", all.effective_sample_size(g));
  if (done < abc.generations) {
    const std::string why =
        all.collapsed > 0
            ? fmt::format("generation {}'s weights collapsed (effective sample size {:.1f}, below {:.0f}% of the "
                          "particles), so it was not kept",
                          done + 1, all.collapsed, 100 * kMinEffectiveShare)
        : within_chance(all) ? "its tolerance is within the range chance gives at its estimate"
                             : fmt::format("its tolerance fell by less than {:.0f}% (the fit has stalled)", 100 * kMinImprovement);
    out += fmt::format("\nstopped after generation {} of at most {}: {}\n", done, abc.generations, why);
  } else if (!all.chance.empty() && all.tolerance.back() > all.chance.back()) {
    out += fmt::format("\nthe last tolerance is above the range chance gives at the estimate: more generations "
                       "would narrow the fit further\n");
  } else {
    out += "\n";
  }
  return out;
}

// What `calibrate` and `backtest` read from the command line's files; every MPI rank
// reads them.
struct FitInputs {
  Scenario scenario;
  TargetSet all, fit;  // every target; those up to --until
  std::vector<std::string> paths;  // the calibrated parameters
};

FitInputs load_fit_inputs(const Cli::State& s) {
  FitInputs in{load_checked(s.scenario), load_targets(s.targets), {}, {}};
  in.fit = s.until > 0 ? in.all.until(s.until) : in.all;
  if (in.fit.targets.empty()) {
    throw std::runtime_error(fmt::format("{}: no observation up to {}; expected at least one to fit; choose a later --until",
                                         s.targets, s.until));
  }
  in.paths = s.parameters.empty() ? uncertain_paths(in.scenario) : split_paths(s.parameters);
  return in;
}

// The calibration shared by `calibrate` and `backtest`: returns the posterior (all
// generations) and writes the last generation to `output`.
Posterior calibrate(Cli::State& s, const FitInputs& in, const std::filesystem::path& output) {
  const Scenario& scenario = in.scenario;
  const TargetSet& fit = in.fit;
  const std::vector<std::string>& paths = in.paths;
  const auto priors = priors_of(scenario, paths);
  const Evaluator evaluator(scenario, paths, fit);
  int until = s.until;
  if (until == 0) {
    for (const auto& t : fit.targets) until = std::max(until, t.years.back());
  }
  Posterior header;
  const std::string per_generation =
      s.abc.replicates == 1 ? fmt::format("{} model runs", s.abc.proposals)
                            : fmt::format("{} proposals", s.abc.proposals);
  const std::string scored =
      s.abc.replicates == 1 ? "" : fmt::format(", each scored by the mean of {} model runs", s.abc.replicates);
  header.method = fmt::format("ABC population Monte Carlo (Beaumont et al. 2009, with the local kernels of Filippi et "
                              "al. 2013) with quantile tolerance: {} per generation{}, the {} closest kept",
                              per_generation, scored, s.abc.particles);
  header.scenario_file = s.scenario;
  header.scenario_hash = scenario.hash();
  header.targets_file = s.targets;
  header.targets_hash = fit.hash;
  header.until_year = until;
  header.population_scale = scenario.real("run.population_scale");
  AbcSettings abc = s.abc;
  abc.checkpoint = output.string() + ".checkpoint";
  if (!output.parent_path().empty()) std::filesystem::create_directories(output.parent_path());
  if (!s.quiet) {
    std::cerr << fmt::format("calibrating {} parameter(s) of {} to {} observations in {} series up to {} "
                             "(population scale {}; {})\n",
                             paths.size(), s.scenario, fit.observations(), fit.targets.size(), until,
                             header.population_scale, abc.describe());
  }
  Printer printer;
  std::function<void(const AbcProgress&)> progress;
  if (!s.quiet) progress = std::ref(printer);
  Posterior result = abc_smc(evaluator, priors, abc, header, progress);
  if (!fit_complete(result, abc)) return result;  // --stop-after (tests): the checkpoint stays for --resume
  write_posterior(output, result.last_generation());
  std::filesystem::remove(abc.checkpoint);
  return result;
}

int run_calibrate(Cli::State& s) {
  const std::filesystem::path output =
      s.output.empty() ? std::filesystem::path("results") / (std::filesystem::path(s.scenario).stem().string() + ".posterior.csv")
                       : std::filesystem::path(s.output);
  const Posterior all = calibrate(s, load_fit_inputs(s), output);
  const std::size_t done = all.tolerance.size();
  if (!fit_complete(all, s.abc)) {
    std::cerr << fmt::format("stopped after generation {}; continue with --resume (checkpoint {}.checkpoint)\n", done,
                             output.string());
    return 0;
  }
  std::cout << fit_summary(all, s.abc) << parameter_summary(all.last_generation());
  std::cerr << fmt::format("posterior ({} weighted draws) written to {}\n", all.last_generation().rows(), output.string());
  return 0;
}

int run_backtest(Cli::State& s) {
  if (s.until <= 0) throw std::runtime_error("backtest needs --until YEAR: the last year the fit may see");
  const std::string prefix = s.output.empty() ? (std::filesystem::path("results") /
                                                 (std::filesystem::path(s.scenario).stem().string() + "-backtest-" +
                                                  std::to_string(s.until))).string()
                                              : s.output;
  // The forecast's runs share one batch's keys, as a generation's do: refuse too many
  // before the fit, not after it (replicated_tasks() would throw only then).
  const std::uint32_t forecast_draws = s.forecast_draws ? s.forecast_draws : s.abc.particles;
  const std::uint64_t forecast_runs = std::uint64_t{forecast_draws} * s.abc.replicates;
  if (forecast_runs >= StreamKey::kMaxDraws) {
    throw std::runtime_error(fmt::format("backtest: {} forecast draws x {} replicates = {} model runs; expected fewer "
                                         "than 65536; use fewer --forecast-draws or --replicates",
                                         forecast_draws, s.abc.replicates, forecast_runs));
  }
  const FitInputs in = load_fit_inputs(s);
  const Posterior all = calibrate(s, in, prefix + ".posterior.csv");
  if (!fit_complete(all, s.abc)) {
    std::cerr << "stopped before the fit was complete; continue with --resume\n";
    return 0;
  }
  const Posterior post = all.last_generation();
  const TargetSet& targets = in.all;
  const Evaluator evaluator(in.scenario, post.paths, targets);  // post.paths == in.paths
  const std::uint32_t k = forecast_draws;  // the last generation has --particles rows
  const auto sets = resample(post, k, s.abc.seed);
  std::vector<std::vector<double>> values(k);
  for (std::uint32_t d = 0; d < k; ++d) {
    for (const auto& [path, value] : sets[d]) values[d].push_back(value);
  }
  // Each draw is run as often as each proposal was, under a replicate key no fit run used.
  const auto tasks = replicated_tasks(values, s.abc.seed, kForecastSlot, s.abc.replicates);
  if (!s.quiet) {
    std::cerr << fmt::format("forecasting from {} posterior draws x {} replicate(s)\n", k, s.abc.replicates);
  }
  const auto draws = evaluator.evaluate(tasks, s.abc.threads);
  const auto results = backtest(targets, s.until, draws);
  std::cout << fit_summary(all, s.abc) << parameter_summary(post) << "\n" << backtest_table(results, s.until);
  const std::filesystem::path csv = prefix + ".backtest.csv";
  {
    std::ofstream out(csv.string() + ".partial");
    out << backtest_csv(results);
    if (!out.flush()) throw std::runtime_error(fmt::format("cannot write '{}'", csv.string()));
  }
  std::filesystem::rename(csv.string() + ".partial", csv);
  std::cerr << fmt::format("forecasts and scores by year in {}; posterior in {}.posterior.csv\n", csv.string(), prefix);
  return 0;
}

// An MPI rank other than 0: computes the model runs rank 0 hands out, with the same
// evaluators rank 0 builds from the same command line and files: the fit's, and for
// `backtest` the forecast's (over every target). Writes nothing.
int serve(const Cli::State& s, DistributedSession& session) {
  const FitInputs in = load_fit_inputs(s);
  const Evaluator fit(in.scenario, in.paths, in.fit);
  std::vector<const Evaluator*> evaluators{&fit};
  std::optional<Evaluator> forecast;
  if (*s.backtest) {
    try {
      forecast.emplace(in.scenario, in.paths, in.all);
      evaluators.push_back(&*forecast);
    } catch (const std::exception&) {
      // Rank 0 builds the same evaluator after the fit and reports the error then.
    }
  }
  session.serve(task_evaluator(std::move(evaluators), s.abc.threads));
  return 0;
}

void add_fit_options(CLI::App* cmd, Cli::State& s) {
  cmd->add_option("scenario", s.scenario, "Scenario whose uncertain settings are fitted (their distributions are the priors)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--targets", s.targets, "Targets file (YAML; format in docs/calibration.md)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--parameters", s.parameters, "Comma-separated parameters to fit (default: every setting with a distribution)");
  cmd->add_option("--particles", s.abc.particles, "Weighted draws kept per generation (the posterior's size)")
      ->check(CLI::Range(2u, 65535u));
  cmd->add_option("--proposals", s.abc.proposals, "Model runs per generation (at least --particles)")->check(CLI::Range(2u, 65535u));
  cmd->add_option("--generations", s.abc.generations,
                  "Most generations of ABC population Monte Carlo (fewer when the stopping rule ends the fit)")
      ->check(CLI::Range(1u, 1000u));
  cmd->add_option("--chance-runs", s.abc.chance_runs,
                  "Runs at each generation's weighted mean measuring the distance chance gives there; the fit ends "
                  "once the tolerance is within its 95th percentile or has stalled (0: always run --generations)")
      ->check(CLI::Range(0u, 10000u));
  cmd->add_option("--seed", s.abc.seed, "Seed of the proposals and of the model runs");
  cmd->add_option("--replicates", s.abc.replicates,
                  "Model runs per proposal (and per forecast draw); a proposal is scored by their mean")
      ->check(CLI::Range(1u, 1000u));
  cmd->add_option("-t,--threads", s.abc.threads, "Threads (default: all cores); results do not depend on it")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--resume", s.abc.resume, "Continue from the checkpoint of an interrupted fit");
  cmd->add_flag("-q,--quiet", s.quiet, "No progress on stderr");
  cmd->add_option("--stop-after", s.abc.stop_after, "For testing resume: stop after this many generations")->group("");
}

}  // namespace

Cli::Cli(CLI::App& app, CLI::App& run, CLI::App& compare) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.calibrate = app.add_subcommand("calibrate", "Fit a scenario's uncertain parameters to observed targets (ABC "
                                                "population Monte Carlo) and write a posterior: weighted parameter draws.");
  add_fit_options(s.calibrate, s);
  s.calibrate->add_option("--until", s.until, "Fit only the observations up to this year");
  s.calibrate->add_option("-o,--output", s.output, "Posterior file (default: results/<scenario>.posterior.csv)");

  s.backtest = app.add_subcommand("backtest", "Fit to the data up to --until, forecast the later years and score the "
                                              "forecast (MAPE, 95% coverage) against two naive forecasts.");
  add_fit_options(s.backtest, s);
  s.backtest->add_option("--until", s.until, "Last year the fit may see")->required();
  s.backtest->add_option("--forecast-draws", s.forecast_draws, "Posterior draws to forecast from (default: --particles)")
      ->check(CLI::Range(1u, 65535u));
  s.backtest->add_option("-o,--output", s.output,
                         "Prefix of the outputs: PREFIX.posterior.csv, PREFIX.backtest.csv (default: "
                         "results/<scenario>-backtest-<until>)");

  for (CLI::App* cmd : {&run, &compare}) {
    cmd->add_option("--posterior", s.posterior, "Use a calibration posterior as the parameter draws (docs/calibration.md)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--targets", s.run_targets,
                    "Write these observed series beside the model's (default with --posterior: the posterior's targets)")
        ->check(CLI::ExistingFile);
  }
}

Cli::~Cli() = default;

int Cli::dispatch() {
  State& s = *state_;
  if (!*s.calibrate && !*s.backtest) return -1;
  try {
    if (DistributedSession* session = current_session(); session && session->rank() != 0) return serve(s, *session);
    return *s.calibrate ? run_calibrate(s) : run_backtest(s);
  } catch (const ScenarioErrors& e) {
    std::cerr << e.what() << "\n";
    return kExitInvalid;
  } catch (const std::exception& e) {
    std::cerr << "averted: error: " << e.what() << "\n";
    return kExitFailure;
  }
}

void Cli::prepare(EnsembleRequest& req, std::uint32_t draws_option) {
  State& s = *state_;
  CalibrationInfo info;
  std::filesystem::path targets_file = s.run_targets;
  if (!s.posterior.empty()) {
    const Posterior post = read_posterior(s.posterior);
    for (const auto& scenario : req.scenarios) check_posterior(post, scenario, s.posterior);
    const std::uint32_t draws = draws_option ? draws_option : static_cast<std::uint32_t>(post.last_generation().rows());
    req.parameter_sets = resample(post, draws, req.master_seed);
    req.draws = draws;
    info.method = post.method;
    info.posterior = std::filesystem::path(s.posterior).filename().string();
    info.posterior_hash = file_sha1(s.posterior);
    info.until_year = post.until_year;
    if (targets_file.empty()) {
      targets_file = post.targets_file;
      // Recorded relative to where the calibration ran; else look beside the posterior.
      const auto beside = std::filesystem::path(s.posterior).parent_path() / targets_file.filename();
      if (!std::filesystem::exists(targets_file) && std::filesystem::exists(beside)) targets_file = beside;
      if (!std::filesystem::exists(targets_file)) {
        throw std::runtime_error(fmt::format(
            "{}: the posterior's targets file '{}' is not found; expected it at that path or beside the posterior; "
            "pass --targets FILE",
            s.posterior, post.targets_file));
      }
      if (file_sha1(targets_file) != post.targets_hash) {
        throw std::runtime_error(fmt::format(
            "{}: the targets file '{}' changed since the calibration (hash {} != {}); expected the file the posterior "
            "was fitted to; calibrate again, or pass --targets FILE to compare with another",
            s.posterior, targets_file.string(), file_sha1(targets_file), post.targets_hash));
      }
    }
  }
  if (targets_file.empty()) return;
  std::vector<TableSpec> tables;
  const auto model = england::make_model(req.scenarios.front());
  for (const auto& t : model->outputs()) tables.push_back(t.spec);
  s.observed = std::make_unique<ObservedWriter>(load_targets(targets_file), tables,
                                                req.scenarios.front().real("run.population_scale"),
                                                static_cast<std::uint32_t>(req.scenarios.size()), info);
  if (req.resume) s.observed->add_existing(partial_path_for(req.output));
  ObservedWriter* w = s.observed.get();
  req.observe_run = [w](std::uint32_t sc, std::uint32_t d, std::uint32_t r, const RunOutputs& out) { w->add_run(sc, d, r, out); };
  req.observe_finalize = [w](ResultsFile& file, std::uint32_t replicates) { w->write(file, replicates); };
}

std::string Cli::fit_report() const {
  const State& s = *state_;
  if (!s.observed) return {};
  const auto& targets = s.observed->targets();
  const auto f = s.observed->fit(65535);
  std::string out = fmt::format("{:<40} {:>6} {:>8} {:>8}\n", "observed series (first scenario)", "years", "MAPE%", "cover95");
  for (std::size_t i = 0; i < targets.targets.size(); ++i) {
    out += fmt::format("{:<40} {:>6} {:>8.1f} {:>7.0f}%\n", targets.targets[i].id + (targets.targets[i].primary ? " *" : ""),
                       f.n_years[i], f.mape[i], 100 * f.coverage95[i]);
  }
  return out;
}

}  // namespace averted::calibration
