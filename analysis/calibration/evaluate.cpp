#include "calibration/evaluate.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "core/random.hpp"
#include "core/simulation.hpp"
#include "model/england_model.hpp"
#include "run/distributed.hpp"
#include "run/ensemble.hpp"

namespace averted::calibration {
namespace {

// A task as bytes for another MPI rank: the evaluator's id, the random-number key and
// the values, each number as it is in memory (ranks run the same build).
template <typename T>
void put(std::string& out, const T& x) {
  out.append(reinterpret_cast<const char*>(&x), sizeof x);
}

template <typename T>
T take(const std::string& in, std::size_t& at) {
  if (in.size() - at < sizeof(T)) throw std::runtime_error("a truncated calibration task between MPI ranks");
  T x;
  std::memcpy(&x, in.data() + at, sizeof x);
  at += sizeof x;
  return x;
}

std::string encode_task(const std::string& id, const EvalTask& t) {
  std::string out;
  put(out, static_cast<std::uint64_t>(id.size()));
  out += id;
  put(out, t.seed), put(out, t.draw), put(out, t.replicate);
  put(out, static_cast<std::uint64_t>(t.values.size()));
  for (const double v : t.values) put(out, v);
  return out;
}

EvalTask decode_task(const std::string& in, std::string& id) {
  std::size_t at = 0;
  const auto n_id = take<std::uint64_t>(in, at);
  if (in.size() - at < n_id) throw std::runtime_error("a truncated calibration task between MPI ranks");
  id = in.substr(at, n_id);
  at += n_id;
  EvalTask t;
  t.seed = take<std::uint32_t>(in, at), t.draw = take<std::uint32_t>(in, at), t.replicate = take<std::uint32_t>(in, at);
  const auto n = take<std::uint64_t>(in, at);
  for (std::uint64_t k = 0; k < n; ++k) t.values.push_back(take<double>(in, at));
  return t;
}

std::string encode_result(const std::vector<double>& r) {
  return std::string(reinterpret_cast<const char*>(r.data()), r.size() * sizeof(double));
}

std::vector<double> decode_result(const std::string& in) {
  if (in.size() % sizeof(double) != 0) throw std::runtime_error("a truncated calibration result between MPI ranks");
  std::vector<double> r(in.size() / sizeof(double));
  std::memcpy(r.data(), in.data(), in.size());
  return r;
}

// A failed run, named by its random-number key and parameter values.
std::runtime_error failed(const std::vector<std::string>& paths, const EvalTask& t, const std::string& why) {
  std::string values;
  for (std::size_t k = 0; k < t.values.size() && k < paths.size(); ++k) {
    values += fmt::format("{}{} = {}", k ? ", " : "", paths[k], t.values[k]);
  }
  return std::runtime_error(fmt::format("the model run with seed {}, draw {}, replicate {} ({}) failed: {}", t.seed,
                                        t.draw, t.replicate, values, why));
}

}  // namespace

std::vector<EvalTask> replicated_tasks(const std::vector<std::vector<double>>& sets, std::uint32_t seed,
                                       std::uint32_t slot, std::uint32_t replicates) {
  if (replicates == 0 || sets.size() * replicates >= StreamKey::kMaxDraws) {
    throw std::invalid_argument(fmt::format("{} parameter sets x {} replicates: expected at least 1 replicate and fewer "
                                            "than 65536 runs in a batch; use fewer proposals or replicates",
                                            sets.size(), replicates));
  }
  std::vector<EvalTask> tasks;
  for (std::uint32_t r = 0; r < replicates; ++r) {
    for (std::size_t i = 0; i < sets.size(); ++i) {
      tasks.push_back({sets[i], seed, static_cast<std::uint32_t>(i + r * sets.size()), slot});
    }
  }
  return tasks;
}

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
  int latest = 0;
  for (const auto& t : targets_.targets) latest = std::max(latest, t.years.back());
  id_ = fmt::format("scenario {}, targets {} up to {} ({} observations), parameters {}", base_.hash(), targets_.hash,
                    latest, targets_.observations(), fmt::join(paths_, ","));
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
  if (const DistributedSession* session = current_session(); session && session->size() > 1) {
    std::vector<std::string> bytes;
    for (const auto& t : tasks) bytes.push_back(encode_task(id_, t));
    std::size_t finished = 0;
    evaluate_tasks(bytes, task_evaluator({this}, threads), [&](std::size_t i, TaskResult&& result) {
      if (!result.ok) throw failed(paths_, tasks[i], result.data);
      out[i] = decode_result(result.data);
      if (out[i].size() != 2 * targets_.observations()) {
        throw failed(paths_, tasks[i], fmt::format("{} numbers came back, expected {} (2 per observation)",
                                                   out[i].size(), 2 * targets_.observations()));
      }
      if (done) done(++finished);
    });
    return out;
  }
  std::atomic<std::size_t> finished{0};
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, tasks.size(), 1), [&](const auto& range) {
      for (std::size_t i = range.begin(); i != range.end(); ++i) {
        try {
          out[i] = evaluate(tasks[i]);
        } catch (const std::exception& e) {
          throw failed(paths_, tasks[i], e.what());
        }
        const std::size_t n = ++finished;
        if (done) done(n);
      }
    });
  });
  return out;
}

std::function<std::string(const std::string&)> task_evaluator(std::vector<const Evaluator*> evaluators, int threads) {
  return [evaluators = std::move(evaluators), threads](const std::string& bytes) {
    std::string id;
    const EvalTask task = decode_task(bytes, id);
    for (const Evaluator* e : evaluators) {
      if (e->id() != id) continue;
      std::vector<double> result;
      tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
      arena.execute([&] { result = e->evaluate(task); });
      return encode_result(result);
    }
    throw std::runtime_error(fmt::format("this rank has no model for '{}' (it was started with a different command "
                                         "line or different files than rank 0)", id));
  };
}

}  // namespace averted::calibration
