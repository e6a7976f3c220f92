// Model evaluations for calibration: one call over a batch of independent tasks, each
// plain data in (parameter values, random-number key) and plain data out (the model's
// counterpart of every observation). The batch runs in parallel with TBB, or, under an
// MPI launcher with more than one rank, is spread over the ranks as bytes
// (run/distributed.hpp); each task's result depends only on its own data, so results
// are bit-identical for any thread count and any number of ranks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "calibration/targets.hpp"
#include "scenario/scenario.hpp"

namespace averted::calibration {

struct EvalTask {
  std::vector<double> values;  // one per calibrated parameter, in Evaluator::paths() order
  std::uint32_t seed = 0, draw = 0, replicate = 0;  // the run's random-number key
};

// The model runs of a batch of parameter sets, each run `replicates` times: run r of
// set i has the random-number key (seed, draw i + r x sets.size(), replicate `slot`),
// so with one replicate the keys are (seed, i, slot) and every run has its own random
// numbers. Throws std::invalid_argument unless sets x replicates < 65536.
std::vector<EvalTask> replicated_tasks(const std::vector<std::vector<double>>& sets, std::uint32_t seed,
                                       std::uint32_t slot, std::uint32_t replicates);

class Evaluator {
 public:
  // The base scenario (every setting not calibrated), the calibrated parameter paths
  // (each a number setting) and the targets. Checks the targets against the model's
  // tables and that every target year is inside the run.
  Evaluator(Scenario base, std::vector<std::string> paths, TargetSet targets);

  const std::vector<std::string>& paths() const { return paths_; }
  const TargetSet& targets() const { return targets_; }
  const Scenario& base() const { return base_; }
  const std::vector<TableSpec>& tables() const { return tables_; }
  // What this evaluator computes (scenario, targets up to their last year, parameters),
  // the same on every MPI rank given the same command line and files; each task sent
  // to another rank carries it, so that rank picks the matching evaluator.
  const std::string& id() const { return id_; }

  // One run: the counterparts of every observation and their chance variances
  // (targets.hpp, counterparts()).
  std::vector<double> evaluate(const EvalTask& task) const;
  // The batch, in parallel on `threads` threads (0: all cores); under MPI with more
  // than one rank (rank 0 only), spread over the ranks, `threads` each. `done(k)`, for
  // progress only, is called with the number of tasks finished so far, from worker
  // threads without MPI (so it must be thread-safe). A task that fails throws
  // std::runtime_error naming its random-number key and parameter values.
  std::vector<std::vector<double>> evaluate(const std::vector<EvalTask>& tasks, int threads,
                                            const std::function<void(std::size_t)>& done = {}) const;

 private:
  Scenario base_;
  std::vector<std::string> paths_;
  TargetSet targets_;
  std::vector<TableSpec> tables_;
  double scale_ = 1;
  std::string id_;
};

// For MPI ranks other than 0 (DistributedSession::serve): evaluates the task bytes that
// rank 0's Evaluator::evaluate sends, with whichever of `evaluators` has the task's
// id(), on `threads` threads (0: all cores). The evaluators must outlive it.
std::function<std::string(const std::string&)> task_evaluator(std::vector<const Evaluator*> evaluators, int threads);

}  // namespace averted::calibration
