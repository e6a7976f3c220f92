// Runs a grid of scenarios x parameter draws x replicates and streams each run's
// outputs to one results file. Every scenario uses the same seeds (common random
// numbers), so differences between scenarios are the policy, not the noise.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/simulation.hpp"
#include "results/results_file.hpp"
#include "scenario/scenario.hpp"

namespace averted {

struct EnsembleRequest {
  std::vector<Scenario> scenarios;  // index 0 is the comparator
  std::uint32_t master_seed = 0;
  std::uint32_t replicates = 1;
  // Parameter draws. With sample_parameters, draw d sets every uncertain parameter
  // to its draw d (uncertainty/parameter_draws.hpp), the same in every scenario;
  // without, every run uses the central values and draws must be 1.
  std::uint32_t draws = 1;
  bool sample_parameters = false;
  int threads = 0;
  std::filesystem::path output;
  std::string command_line;
  bool check_invariants = false;
  // Reopen <output>.partial and run only the runs it lacks (ResultsFile resume).
  bool resume = false;
  // For tests of resuming: stop, leaving the .partial, after this many runs have been
  // written in this session (0: never).
  std::uint32_t stop_after = 0;
  // Parameter sets from a calibration posterior (analysis/calibration): when not
  // empty, draw d sets each (path, value) of parameter_sets[d] instead of sampling,
  // and draws must equal parameter_sets.size().
  std::vector<std::vector<std::pair<std::string, double>>> parameter_sets;
  // Optional observers (e.g. the observed series written beside the model's): every
  // run written in this session, and the file before it is finalized with the
  // number of replicates it holds.
  std::function<void(std::uint32_t scenario, std::uint32_t draw, std::uint32_t replicate, const RunOutputs&)>
      observe_run;
  std::function<void(ResultsFile&, std::uint32_t replicates)> observe_finalize;
};

struct RunProgress {
  std::uint32_t run = 0, runs = 0;  // which run of how many (1-based)
  std::string scenario;
  std::uint32_t draw = 0;
  std::uint32_t replicate = 0;
  std::uint32_t step = 0, steps = 0;
  int calendar_year = 0;
};

// Optional calls into the ensemble, for comparisons built on top of it.
struct EnsembleHooks {
  // After each run this session writes (on the calling thread).
  std::function<void(std::uint32_t scenario, std::uint32_t draw, std::uint32_t replicate,
                     const RunOutputs&)>
      on_run;
  // Runs go replicate by replicate (every draw and scenario of replicate 0, then 1,
  // ...). After replicates 0..n-1 are all in the file, enough(n) may return true to
  // stop there: the file is then left as a .partial (not finalized).
  std::function<bool(std::uint32_t replicates_done)> enough;
  // Called once every run is in, before the file is finalized (e.g. write summaries).
  std::function<void(ResultsFile&)> before_finalize;
};

struct EnsembleSummary {
  std::vector<RunStats> runs;  // runs computed in this session
  std::uint32_t skipped = 0;   // runs already in a resumed file
  double seconds = 0.0;
  bool complete = false;       // finalized under the final name
  std::uint32_t replicates_done = 0;  // replicates whose runs are all in the file
};

// Sets each (path, value) in the scenario (a posterior's parameter set): a setting
// with a distribution keeps it and takes the value as its draw.
void apply_parameter_set(Scenario& scenario, const std::vector<std::pair<std::string, double>>& values);

// The whole order of work, as written into provenance and shown by --dry-run.
std::string describe_plan(const EnsembleRequest& request);
// What run_ensemble writes into the results file's layout and provenance.
ResultsLayout ensemble_layout(const EnsembleRequest& request);
Provenance ensemble_provenance(const EnsembleRequest& request);

EnsembleSummary run_ensemble(const EnsembleRequest& request,
                             const std::function<void(const RunProgress&)>& progress = {},
                             const EnsembleHooks& hooks = {});

}  // namespace averted
