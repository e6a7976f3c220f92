// Model evaluations for calibration: one call over a batch of independent tasks, each
// plain data in (parameter values, random-number key) and plain data out (the model's
// counterpart of every observation). The batch runs in parallel with TBB; each task's
// result depends only on its own data, so results are bit-identical for any thread
// count, and spreading a batch over MPI ranks is a change inside evaluate() alone.
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

  // One run: the counterparts of every observation (targets' order, then years').
  std::vector<double> evaluate(const EvalTask& task) const;
  // The batch, in parallel on `threads` threads (0: all cores). `done(k)`, for
  // progress only, is called from worker threads (so it must be thread-safe) with the
  // number of tasks finished so far.
  std::vector<std::vector<double>> evaluate(const std::vector<EvalTask>& tasks, int threads,
                                            const std::function<void(std::size_t)>& done = {}) const;

 private:
  Scenario base_;
  std::vector<std::string> paths_;
  TargetSet targets_;
  std::vector<TableSpec> tables_;
  double scale_ = 1;
};

}  // namespace averted::calibration
