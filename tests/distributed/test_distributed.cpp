// evaluate_tasks() (engine/run/distributed.hpp): results in task order, failures
// reported with the others carrying on, a failing on_result stopping cleanly, several
// batches in one session, and (under mpirun) dynamic hand-out; and the runs that
// run_ensemble passes through it arrive intact. Runs as one process
// (ctest distributed_tasks) and under `mpirun -np 3` (ctest distributed_tasks_mpi3):
// rank 0 runs the tests, the other ranks serve the same evaluator.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "model/england_model.hpp"
#include "model/parameters.hpp"
#include "run/distributed.hpp"
#include "run/ensemble.hpp"
#include "uncertainty/parameter_draws.hpp"
#include "uncertainty/results_reader.hpp"

namespace averted {
namespace {

int my_rank() { return current_session() ? current_session()->rank() : 0; }
int ranks() { return current_session() ? current_session()->size() : 1; }

// A task "<n>" or "<n> slow-on-<rank>" or "fail": the result is "<n*n> by <rank>".
std::string evaluate(const std::string& task) {
  if (task == "fail") throw std::runtime_error("this task fails");
  const int n = std::stoi(task);
  const auto pause = task.find("slow-on-" + std::to_string(my_rank())) != std::string::npos
                         ? std::chrono::milliseconds(400)
                         : std::chrono::milliseconds(20);
  std::this_thread::sleep_for(pause);
  return std::to_string(n * n) + " by " + std::to_string(my_rank());
}

std::string value(const std::string& result) { return result.substr(0, result.find(' ')); }
int rank_of(const std::string& result) { return std::stoi(result.substr(result.rfind(' ') + 1)); }

TEST(DistributedTasks, ResultsComeInTaskOrderWithFailuresInPlace) {
  std::vector<std::string> tasks;
  for (int i = 0; i < 24; ++i) tasks.push_back(i == 7 || i == 15 ? "fail" : std::to_string(i));
  std::vector<std::size_t> order;
  std::vector<TaskResult> results;
  evaluate_tasks(tasks, evaluate, [&](std::size_t i, TaskResult&& r) {
    order.push_back(i);
    results.push_back(std::move(r));
  });
  ASSERT_EQ(order.size(), tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_EQ(order[i], i);
    if (i == 7 || i == 15) {
      EXPECT_FALSE(results[i].ok);
      EXPECT_NE(results[i].data.find("this task fails"), std::string::npos) << results[i].data;
      if (ranks() > 1) {
        EXPECT_NE(results[i].data.find("rank "), std::string::npos) << "which rank failed is named";
      }
    } else {
      ASSERT_TRUE(results[i].ok) << results[i].data;
      EXPECT_EQ(value(results[i].data), std::to_string(i * i));
    }
  }
}

TEST(DistributedTasks, EveryRankTakesPartAndASlowRankTakesFewer) {
  if (ranks() < 3) GTEST_SKIP() << "needs mpirun -np 3";
  // Rank 2 takes 400 ms a task, the others 20 ms: rank 0 hands out work as ranks
  // become free, so rank 2 gets about 1 task in 20 while ranks 0 and 1 share the rest
  // (a fixed split would give it a third, 10 of 30, and take 4 s instead of ~0.5 s).
  std::vector<std::string> tasks;
  for (int i = 0; i < 30; ++i) tasks.push_back(std::to_string(i) + " slow-on-2");
  std::vector<int> per_rank(ranks(), 0);
  const auto t0 = std::chrono::steady_clock::now();
  evaluate_tasks(tasks, evaluate, [&](std::size_t i, TaskResult&& r) {
    ASSERT_TRUE(r.ok) << r.data;
    EXPECT_EQ(value(r.data), std::to_string(i * i));
    ++per_rank.at(rank_of(r.data));
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GE(per_rank[0], 5) << "rank 0 computes too";
  EXPECT_GE(per_rank[1], 5);
  EXPECT_GE(per_rank[2], 1);
  EXPECT_LE(per_rank[2], 3) << "a slow rank must not be given a fixed share";
  EXPECT_LT(seconds, 2.0);
}

TEST(DistributedTasks, AFailingOnResultStopsHandingOutAndLeavesTheSessionUsable) {
  std::vector<std::string> tasks;
  for (int i = 0; i < 20; ++i) tasks.push_back(std::to_string(i));
  std::size_t seen = 0;
  EXPECT_THROW(evaluate_tasks(tasks, evaluate,
                              [&](std::size_t i, TaskResult&&) {
                                ++seen;
                                if (i == 3) throw std::runtime_error("disk full");
                              }),
               std::runtime_error);
  EXPECT_EQ(seen, 4u) << "nothing is delivered after on_result threw";
  // Every outstanding task was drained: the next batch gets exactly its own results.
  std::vector<std::string> got;
  evaluate_tasks({"5", "6"}, evaluate, [&](std::size_t, TaskResult&& r) { got.push_back(value(r.data)); });
  EXPECT_EQ(got, (std::vector<std::string>{"25", "36"}));
}

// Runs travel between processes as bytes (run_ensemble encodes every run, even in
// one process): each run in the file must be exactly the run computed directly.
TEST(EnsembleRuns, EveryRunInTheFileIsTheRunComputedDirectly) {
  if (ranks() > 1) GTEST_SKIP() << "the other ranks of this test program serve the toy tasks above";
  const std::string data = std::string(AVERTED_SOURCE_DIR) + "/tests/unit/uncertainty/";
  EnsembleRequest req;
  for (const char* f : {"small_baseline.yaml", "small_prison75.yaml"}) {
    req.scenarios.push_back(load_scenario(data + f, standard_parameters()));
  }
  req.master_seed = 11;
  req.draws = 2;
  req.sample_parameters = true;
  req.replicates = 2;
  req.threads = 2;
  req.output = std::filesystem::temp_directory_path() / ("averted_distributed_" + std::to_string(getpid()) + ".h5");
  const EnsembleSummary summary = run_ensemble(req);
  ASSERT_TRUE(summary.complete);
  const auto tables = ensemble_layout(req).tables;
  const ResultsReader reader(req.output);
  for (std::uint32_t s = 0; s < 2; ++s) {
    for (std::uint32_t d = 0; d < 2; ++d) {
      const Scenario drawn = sample_parameters(req.scenarios[s], req.master_seed, d);
      for (std::uint32_t r = 0; r < 2; ++r) {
        auto model = england::make_model(drawn);
        RunSettings settings;
        settings.clock = england::clock_from(drawn);
        settings.key = StreamKey{req.master_seed, d, r};
        const RunOutputs direct = run_simulation(*model, settings);
        const RunOutputs stored = reader.read_run(tables, s, d, r);
        ASSERT_EQ(direct.tables.size(), stored.tables.size());
        for (std::size_t t = 0; t < direct.tables.size(); ++t) {
          EXPECT_TRUE(direct.tables[t] == stored.tables[t]) << tables[t].name << " of run " << s << "," << d << "," << r;
        }
      }
    }
  }
  std::filesystem::remove(req.output);
}

TEST(DistributedTasks, AnEmptyBatchReturnsAtOnce) {
  bool called = false;
  evaluate_tasks({}, evaluate, [&](std::size_t, TaskResult&&) { called = true; });
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace averted

int main(int argc, char** argv) {
  auto session = averted::DistributedSession::start_if_launched(argc, argv);
  if (session && session->rank() != 0) {
    session->serve(averted::evaluate);
    return 0;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
