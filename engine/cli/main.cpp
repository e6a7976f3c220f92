// `averted`: the command-line program. Exit codes (also in docs/cli.md):
//   0 success; 1 the run failed (I/O, internal error); 2 bad command line;
//   3 a scenario file is invalid (every error is printed, nothing is written).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "calibration/cli.hpp"
#include "core/version.hpp"
#include "model/local_area.hpp"
#include "model/parameters.hpp"
#include "report/command.hpp"
#include "run/distributed.hpp"
#include "run/ensemble.hpp"
#include "run/limits.hpp"
#include "uncertainty/compare.hpp"
#include "scenario/schema.hpp"

namespace {

using namespace averted;

constexpr int kExitFailure = 1;
constexpr int kExitBadCommandLine = 2;
constexpr int kExitScenarioInvalid = 3;

// Loads every file, collecting the errors of all of them before giving up.
bool load_all(const std::vector<std::string>& files, std::vector<Scenario>& out) {
  bool ok = true;
  for (const auto& f : files) {
    try {
      Scenario s = load_scenario(f, standard_parameters());
      if (auto errors = check_consistency(s); !errors.empty()) throw ScenarioErrors(std::move(errors), f);
      out.push_back(std::move(s));
    } catch (const ScenarioErrors& e) {
      std::cerr << e.what() << "\n";
      ok = false;
    }
  }
  return ok;
}

// Progress on stderr, only once a run has lasted a couple of seconds.
class ProgressPrinter {
 public:
  void operator()(const RunProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (elapsed < 2.0 || std::chrono::duration<double>(now - last_).count() < (tty_ ? 0.5 : 10.0)) {
      if (!(p.step == p.steps && shown_)) return;
    }
    last_ = now;
    shown_ = true;
    const double done = ((p.run - 1) + static_cast<double>(p.step) / p.steps) / p.runs;
    const double eta = done > 0 ? elapsed / done - elapsed : 0.0;
    std::fprintf(stderr, "%s[run %u/%u] %s, draw %u, replicate %u: year %d  %3.0f%% of all runs, about %.0f s left%s",
                 tty_ ? "\r" : "", p.run, p.runs, p.scenario.c_str(), p.draw + 1, p.replicate + 1, p.calendar_year,
                 100.0 * done, eta, tty_ ? "   " : "\n");
    if (tty_ && p.run == p.runs && p.step == p.steps) std::fputc('\n', stderr);
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_{};
  bool tty_ = isatty(STDERR_FILENO) != 0;
  bool shown_ = false;
};

std::string joined_command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  // Under mpirun/srun: rank 0 runs the command, the other ranks compute runs for it
  // (docs/distributed.md). Declared first, so it ends last.
  std::unique_ptr<DistributedSession> session;
  try {
    session = DistributedSession::start_if_launched(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "averted: error: " << e.what() << "\n";
    return kExitFailure;
  }
  const bool worker = session && session->rank() != 0;

  CLI::App app{"averted: forecasts of deaths averted by drug-treatment commissioning choices in England"};
  app.set_version_flag("--version", std::string(code_version()));
  app.require_subcommand(1);
  app.footer("Exit codes: 0 success, 1 run failed, 2 bad command line, 3 invalid scenario file.");

  // --- run ---
  auto* run = app.add_subcommand("run", "Run one or more scenarios on one grid and write an HDF5 results file.");
  std::vector<std::string> run_files;
  std::string output;
  int threads = 0;
  std::uint32_t replicates = 0, seed = 0;
  bool dry_run = false, quiet = false, check = false;
  run->add_option("scenarios", run_files, "Scenario files; the first is the comparator")->required()->check(CLI::ExistingFile);
  run->add_option("-o,--output", output, "Results file (default: results/<first scenario>.h5)");
  run->add_option("-t,--threads", threads, "Threads (default: all cores); results do not depend on it")->check(CLI::NonNegativeNumber);
  run->add_option("-r,--replicates", replicates, "Replicates per scenario (default: run.replicates of the first scenario)")->check(CLI::Range(1u, 65535u));
  run->add_option("--seed", seed, "Master seed (default: run.seed of the first scenario)");
  run->add_flag("--dry-run", dry_run, "Validate, print the order of work and stop");
  run->add_flag("-q,--quiet", quiet, "No progress on stderr");
  run->add_flag("--check-invariants", check, "Check the kernel's invariants on every event (slower)");
  bool run_resume = false;
  run->add_flag("--resume", run_resume, "Reopen <output>.partial and run only what it lacks");

  // --- compare ---
  auto* compare = app.add_subcommand(
      "compare", "Compare scenarios with the first on one grid of parameter draws x replicates: deaths averted "
                 "and life-years gained with intervals (HDF5 + CSV summaries).");
  std::vector<std::string> compare_files;
  std::string compare_output;
  std::uint32_t draws = 0, compare_replicates = 0, compare_seed = 0, stop_after = 0, max_replicates = 1000;
  double until_precision = 0;
  int from_year = 0, to_year = 0, compare_threads = 0;
  bool resume = false, compare_quiet = false, compare_dry = false, no_csv = false;
  compare->add_option("scenarios", compare_files, "Scenario files; the first is the comparator")->required()->check(CLI::ExistingFile);
  compare->add_option("-o,--output", compare_output, "Results file (default: results/<first>-compare.h5); CSV summaries beside it");
  compare->add_option("-d,--draws", draws, "Parameter draws, sampled from the scenarios' distributions (default: 1 draw at the central values)")->check(CLI::Range(1u, 65535u));
  compare->add_option("-r,--replicates", compare_replicates, "Replicates per draw (default: run.replicates of the first scenario)")->check(CLI::Range(1u, 65535u));
  compare->add_option("--until-precision", until_precision, "Add replicates until the Monte Carlo standard error of deaths averted (over the year range) is below this, for every scenario")->check(CLI::PositiveNumber);
  compare->add_option("--max-replicates", max_replicates, "With --until-precision: stop at this many replicates (default 1000)")->check(CLI::Range(2u, 65535u));
  compare->add_option("--from", from_year, "First calendar year of the summaries (default: the run's first)");
  compare->add_option("--to", to_year, "Last calendar year of the summaries, inclusive (default: the run's last)");
  compare->add_flag("--resume", resume, "Reopen <output>.partial and run only what it lacks");
  compare->add_option("--seed", compare_seed, "Master seed (default: run.seed of the first scenario)");
  compare->add_option("-t,--threads", compare_threads, "Threads (default: all cores); results do not depend on it")->check(CLI::NonNegativeNumber);
  compare->add_flag("--no-csv", no_csv, "Do not write the CSV summaries");
  compare->add_flag("--dry-run", compare_dry, "Validate, print the grid and stop");
  compare->add_flag("-q,--quiet", compare_quiet, "No progress on stderr");
  compare->add_option("--stop-after", stop_after, "For testing resume: stop after writing this many runs")->group("");

  // --- validate ---
  auto* validate = app.add_subcommand("validate", "Check scenario files and print every error found.");
  std::vector<std::string> validate_files;
  validate->add_option("scenarios", validate_files, "Scenario files")->required();

  // --- params ---
  auto* params = app.add_subcommand("params", "List every scenario parameter with unit, range, default and source.");
  std::string format = "text", params_scenario;
  params->add_option("--format", format, "text, markdown, yaml (a complete scenario of defaults) or schema (JSON Schema)")
      ->check(CLI::IsMember({"text", "markdown", "yaml", "schema"}));
  params->add_option("--scenario", params_scenario, "Show this scenario's values and where each came from")->check(CLI::ExistingFile);

  averted::report::ReportCommand report(app);  // `averted report` (analysis/report)
  // --- calibrate, backtest, and --posterior/--targets for run and compare ---
  calibration::Cli calibration_cli(app, *run, *compare);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help or the error; a bad command line always exits 2 (docs/cli.md),
    // whatever CLI11's own code for the kind of error (e.g. 105 for a missing file).
    return app.exit(e) == 0 ? 0 : kExitBadCommandLine;
  }
  // calibrate, backtest: on every rank (the others compute model runs for rank 0)
  if (const int code = calibration_cli.dispatch(); code >= 0) return code;
  if (worker && !*run && !*compare) return 0;  // nothing to compute; rank 0 answers

  try {
    if (report.chosen()) return report.run();
    const ParamTable& table = standard_parameters();
    if (*validate) {
      std::vector<Scenario> scenarios;
      if (!load_all(validate_files, scenarios)) return kExitScenarioInvalid;
      for (const auto& f : validate_files) std::cout << f << ": valid\n";
      return 0;
    }
    if (*params) {
      if (format == "schema") {
        std::cout << json_schema(table) << "\n";
      } else if (format == "yaml") {
        std::cout << defaults_yaml(table);
      } else {
        std::vector<Scenario> s;
        if (!params_scenario.empty() && !load_all({params_scenario}, s)) return kExitScenarioInvalid;
        std::cout << params_listing(table, s.empty() ? nullptr : &s.front(), format == "markdown");
      }
      return 0;
    }
    if (*compare) {
      CompareRequest creq;
      EnsembleRequest& req = creq.ensemble;
      if (!load_all(compare_files, req.scenarios)) return kExitScenarioInvalid;
      const Scenario& first = req.scenarios.front();
      req.master_seed = compare_seed ? compare_seed : static_cast<std::uint32_t>(first.integer("run.seed"));
      req.replicates = compare_replicates ? compare_replicates : static_cast<std::uint32_t>(first.integer("run.replicates"));
      req.sample_parameters = draws > 0;
      req.draws = draws > 0 ? draws : 1;
      req.threads = compare_threads;
      req.resume = resume;
      req.stop_after = stop_after;
      req.command_line = joined_command_line(argc, argv);
      req.output = compare_output.empty()
                       ? std::filesystem::path("results") /
                             (std::filesystem::path(compare_files.front()).stem().string() + "-compare.h5")
                       : std::filesystem::path(compare_output);
      creq.from_year = from_year;
      creq.to_year = to_year;
      creq.until_precision = until_precision;
      creq.max_replicates = max_replicates;
      creq.write_csv = !no_csv;
      calibration_cli.prepare(req, draws);
      if (worker) {
        session->serve(ensemble_evaluator(req));
        return 0;
      }
      if (compare_dry) {
        std::cout << describe_plan(req);
        return 0;
      }
      refuse_if_too_big(req);  // as for run; with --until-precision, for the starting replicates
      if (!req.output.parent_path().empty()) std::filesystem::create_directories(req.output.parent_path());
      ProgressPrinter printer;
      std::function<void(const RunProgress&)> progress;
      if (!compare_quiet) progress = std::ref(printer);
      const CompareResult result = run_comparison(creq, progress);
      if (!result.complete) {
        std::cerr << fmt::format("stopped after {} run(s); resume with --resume (partial file {})\n",
                                 result.ensemble.runs.size(), partial_path_for(req.output).string());
        return 0;
      }
      std::cout << local_area_summary(first) << result.report << calibration_cli.fit_report();
      if (until_precision > 0) {
        std::cout << fmt::format("Replicates used: {} ({}: largest Monte Carlo standard error {:.3g}, target {:.3g})\n",
                                 result.replicates, result.precision_reached ? "target reached" : "maximum reached, target NOT reached",
                                 result.standard_error, until_precision);
      }
      std::cerr << fmt::format("{} run(s) computed, {} already in the file, in {:.1f} s; results in {}\n",
                               result.ensemble.runs.size(), result.ensemble.skipped, result.ensemble.seconds,
                               req.output.string());
      for (const auto& f : result.csv_files) std::cerr << "  " << f.string() << "\n";
      return 0;
    }
    // run
    EnsembleRequest req;
    if (!load_all(run_files, req.scenarios)) return kExitScenarioInvalid;
    const Scenario& first = req.scenarios.front();
    req.master_seed = seed ? seed : static_cast<std::uint32_t>(first.integer("run.seed"));
    req.replicates = replicates ? replicates : static_cast<std::uint32_t>(first.integer("run.replicates"));
    req.threads = threads;
    req.check_invariants = check;
    req.command_line = joined_command_line(argc, argv);
    req.output = output.empty() ? std::filesystem::path("results") /
                                      (std::filesystem::path(run_files.front()).stem().string() + ".h5")
                                : std::filesystem::path(output);
    calibration_cli.prepare(req, 0);
    req.resume = run_resume;
    if (worker) {
      session->serve(ensemble_evaluator(req));
      return 0;
    }
    if (dry_run) {
      std::cout << local_area_summary(first) << describe_plan(req);
      return 0;
    }
    refuse_if_too_big(req);  // memory, disk and time, estimated up front (run/limits.hpp)
    if (!req.output.parent_path().empty()) std::filesystem::create_directories(req.output.parent_path());
    ProgressPrinter printer;
    std::function<void(const RunProgress&)> progress;
    if (!quiet) progress = std::ref(printer);
    const EnsembleSummary summary = run_ensemble(req, progress);
    std::uint64_t person_steps = 0;
    for (const auto& r : summary.runs) person_steps += r.person_steps;
    std::cerr << fmt::format("{} run(s) in {:.1f} s ({:.0f} million person-weeks per second); results in {}\n",
                             summary.runs.size(), summary.seconds, person_steps / summary.seconds / 1e6,
                             req.output.string());
    std::cout << calibration_cli.fit_report();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "averted: error: " << e.what() << "\n";
    return kExitFailure;
  }
}
