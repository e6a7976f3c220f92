#include "calibration/evaluate.hpp"

#include <atomic>
#include <stdexcept>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "core/simulation.hpp"
#include "model/england_model.hpp"
#include "run/ensemble.hpp"

namespace averted::calibration {

Evaluator::Evaluator(Scenario base, std::vector<std::string> paths, TargetSet targets)
    : base_(std::move(base)), paths_(std::move(paths)), targets_(std::move(targets)) {
  const auto model = england::make_model(base_);
  for (const auto& t : model->outputs()) tables_.push_back(t.spec);
  check_against(targets_, tables_);
  scale_ = base_.real("run.population_scale");
  const int first = base_.integer("run.start_year"), last = base_.integer("run.end_year") - 1;
  for (const auto& t : targets_.targets) {
    if (t.years.front() < first || t.years.back() > last) {
      throw std::runtime_error(fmt::format(
          "{}:{}: target '{}' has years {}-{}, outside the run ({}-{}); expected every target year inside the run; "
          "set run.start_year / run.end_year, or fit with --until",
          targets_.file.string(), t.line, t.id, t.years.front(), t.years.back(), first, last));
    }
  }
}

std::vector<double> Evaluator::evaluate(const EvalTask& task) const {
  if (task.values.size() != paths_.size()) throw std::invalid_argument("a task needs one value per calibrated parameter");
  Scenario s = base_;
  std::vector<std::pair<std::string, double>> set;
  for (std::size_t k = 0; k < paths_.size(); ++k) set.emplace_back(paths_[k], task.values[k]);
  apply_parameter_set(s, set);
  auto model = england::make_model(s);
  RunSettings settings;
  settings.clock = england::clock_from(s);
  settings.key = StreamKey{task.seed, task.draw, task.replicate};
  settings.threads = 0;  // the batch's arena sets the threads; nested parallelism is fine
  return counterparts(targets_, tables_, run_simulation(*model, settings), scale_);
}

std::vector<std::vector<double>> Evaluator::evaluate(const std::vector<EvalTask>& tasks, int threads,
                                                     const std::function<void(std::size_t)>& done) const {
  std::vector<std::vector<double>> out(tasks.size());
  std::atomic<std::size_t> finished{0};
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, tasks.size(), 1), [&](const auto& range) {
      for (std::size_t i = range.begin(); i != range.end(); ++i) {
        out[i] = evaluate(tasks[i]);
        const std::size_t n = ++finished;
        if (done) done(n);
      }
    });
  });
  return out;
}

}  // namespace averted::calibration
