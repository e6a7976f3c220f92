#include "run/distributed.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <future>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

#ifdef AVERTED_HAVE_MPI
#include <mpi.h>
#endif

namespace averted {
namespace {

DistributedSession* g_session = nullptr;

// The variables MPI launchers put in each process's environment: Open MPI's mpirun,
// PMIx (Open MPI, Slurm's srun --mpi=pmix) and PMI/PMI-2 (MPICH, srun --mpi=pmi2).
const char* launcher_variable() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(name)) return name;
  }
  return nullptr;
}

// Evaluates one task, turning an exception into a failed result.
TaskResult evaluate_one(const TaskEvaluator& evaluate, const std::string& task) {
  try {
    return {true, evaluate(task)};
  } catch (const std::exception& e) {
    return {false, e.what()};
  }
}

void evaluate_here(const std::vector<std::string>& tasks, const TaskEvaluator& evaluate,
                   const std::function<void(std::size_t, TaskResult&&)>& on_result) {
  for (std::size_t i = 0; i < tasks.size(); ++i) on_result(i, evaluate_one(evaluate, tasks[i]));
}

#ifdef AVERTED_HAVE_MPI

// Messages: rank 0 sends kTask (8-byte task index, then the task) or kFinish (empty);
// a worker answers kResult or kFailed (8-byte task index, then the result or message),
// or kUnable when it cannot compute anything (it is then given no more tasks).
enum Tag : int { kTask = 1, kFinish = 2, kResult = 3, kFailed = 4, kUnable = 5 };

// Ranks that answered kUnable: never given a task again in this session.
std::set<int> g_unable_ranks;

std::string host_name() {
  char buf[256] = {0};
  return gethostname(buf, sizeof buf - 1) == 0 ? std::string(buf) : std::string("unknown host");
}

std::string with_index(std::uint64_t index, const std::string& bytes) {
  std::string out(sizeof index, '\0');
  std::memcpy(out.data(), &index, sizeof index);
  return out + bytes;
}

void send(const std::string& message, int to, int tag) {
  if (message.size() > static_cast<std::size_t>(INT32_MAX)) {
    throw std::runtime_error(fmt::format("a message of {} bytes is too large for one MPI message (2 GiB)",
                                         message.size()));
  }
  MPI_Send(message.data(), static_cast<int>(message.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD);
}

// Receives the message `status` describes (from MPI_Probe or MPI_Iprobe).
std::string receive(MPI_Status& status) {
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  std::string message(static_cast<std::size_t>(count), '\0');
  MPI_Recv(message.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return message;
}

// The pause between polls while nothing happens: from 0.1 ms, doubling to 10 ms. A
// waiting rank then wakes about 100 times a second (not thousands: each wake costs CPU
// the ranks computing on the same node would use), and a result waits at most 10 ms,
// against runs of seconds.
class Backoff {
 public:
  std::chrono::microseconds next() {
    const auto now = pause_;
    pause_ = std::min(pause_ * 2, std::chrono::microseconds(10000));
    return now;
  }
  void reset() { pause_ = std::chrono::microseconds(100); }

 private:
  std::chrono::microseconds pause_{100};
};

std::uint64_t index_of(const std::string& message) {
  if (message.size() < sizeof(std::uint64_t)) throw std::runtime_error("a truncated message between MPI ranks");
  std::uint64_t index = 0;
  std::memcpy(&index, message.data(), sizeof index);
  return index;
}

// Rank 0 of several: hands out tasks to free workers and evaluates one at a time on a
// second thread; this thread does every MPI call (MPI_THREAD_FUNNELED).
void evaluate_spread(int ranks, const std::vector<std::string>& tasks, const TaskEvaluator& evaluate,
                     const std::function<void(std::size_t, TaskResult&&)>& on_result) {
  std::vector<int> idle;
  for (int w = ranks - 1; w >= 1; --w) {
    if (!g_unable_ranks.count(w)) idle.push_back(w);
  }
  std::size_t next = 0, delivered = 0;
  int remote_out = 0;
  std::map<std::size_t, TaskResult> early;  // results waiting for earlier ones
  std::future<TaskResult> local;
  std::size_t local_index = 0;
  std::exception_ptr failure;  // from on_result: stop handing out, drain, rethrow

  auto arrived = [&](std::size_t index, TaskResult&& result) {
    if (failure) return;
    early.emplace(index, std::move(result));
    while (!early.empty() && early.begin()->first == delivered) {
      try {
        on_result(delivered, std::move(early.begin()->second));
      } catch (...) {
        failure = std::current_exception();
        early.clear();
        return;
      }
      early.erase(early.begin());
      ++delivered;
    }
  };

  Backoff backoff;
  while (true) {
    while (!failure && next < tasks.size() && !idle.empty()) {
      send(with_index(next, tasks[next]), idle.back(), kTask);
      idle.pop_back();
      ++remote_out;
      ++next;
    }
    if (!failure && next < tasks.size() && !local.valid()) {
      local_index = next++;
      local = std::async(std::launch::async, [&evaluate, &task = tasks[local_index]] {
        TaskResult result = evaluate_one(evaluate, task);
        if (!result.ok) result.data = fmt::format("rank 0 on {}: {}", host_name(), result.data);
        return result;
      });
    }
    if (remote_out == 0 && !local.valid()) break;  // all in (or stopping and drained)

    bool progressed = false;
    if (remote_out > 0) {
      int flag = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
      if (flag) {
        const std::string message = receive(status);
        const std::size_t index = index_of(message);
        if (index >= tasks.size()) throw std::runtime_error("a result for an unknown task from an MPI rank");
        arrived(index, TaskResult{status.MPI_TAG == kResult, message.substr(sizeof(std::uint64_t))});
        if (status.MPI_TAG == kUnable) {
          g_unable_ranks.insert(status.MPI_SOURCE);
        } else {
          idle.push_back(status.MPI_SOURCE);
        }
        --remote_out;
        progressed = true;
      }
    }
    // Waiting on the local task doubles as the pause between polls.
    const auto pause = progressed ? std::chrono::microseconds(0) : backoff.next();
    if (local.valid()) {
      if (local.wait_for(pause) == std::future_status::ready) {
        arrived(local_index, local.get());
        progressed = true;
      }
    } else {
      std::this_thread::sleep_for(pause);
    }
    if (progressed) backoff.reset();
  }
  if (failure) std::rethrow_exception(failure);
}

// A worker: evaluates what rank 0 sends until kFinish; failures go back with
// `failure_tag` (kFailed, or kUnable from a rank that cannot compute at all).
void serve_until_finished(int rank, const TaskEvaluator& evaluate, int failure_tag) {
  const std::string where = fmt::format("rank {} on {}", rank, host_name());
  while (true) {
    // Polled, with a pause, rather than a blocking MPI_Probe: Open MPI's blocking calls
    // spin, which would take a core from the ranks still computing on this node.
    MPI_Status status;
    Backoff backoff;
    for (int flag = 0; !flag;) {
      MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
      if (!flag) std::this_thread::sleep_for(backoff.next());
    }
    const std::string message = receive(status);
    if (status.MPI_TAG == kFinish) return;
    const std::uint64_t index = index_of(message);
    TaskResult result = evaluate_one(evaluate, message.substr(sizeof index));
    if (!result.ok) result.data = fmt::format("{}: {}", where, result.data);
    if (result.data.size() + sizeof index > static_cast<std::size_t>(INT32_MAX)) {
      result = {false, fmt::format("{}: the result ({} bytes) is too large for one MPI message", where,
                                   result.data.size())};
    }
    send(with_index(index, result.data), 0, result.ok ? kResult : failure_tag);
  }
}

#endif  // AVERTED_HAVE_MPI

}  // namespace

bool mpi_available() {
#ifdef AVERTED_HAVE_MPI
  return true;
#else
  return false;
#endif
}

DistributedSession* current_session() { return g_session; }

std::unique_ptr<DistributedSession> DistributedSession::start_if_launched(int& argc, char**& argv) {
  const char* variable = launcher_variable();
  if (!variable) return nullptr;
#ifdef AVERTED_HAVE_MPI
  if (g_session) throw std::logic_error("MPI is already started in this process");
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    throw std::runtime_error(
        "this MPI library cannot run alongside threads (MPI_THREAD_FUNNELED is not provided); "
        "averted needs it to compute on rank 0 while it hands out work");
  }
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::unique_ptr<DistributedSession> session(new DistributedSession(rank, size));
  g_session = session.get();
  return session;
#else
  (void)argc;
  (void)argv;
  throw std::runtime_error(fmt::format(
      "averted was started by an MPI launcher ({} is set) but was built without MPI, so every process "
      "would run the whole job and write the same file; rebuild with MPI (install libopenmpi-dev and "
      "configure with -DAVERTED_MPI=ON), or run averted without mpirun/srun",
      variable));
#endif
}

DistributedSession::~DistributedSession() {
#ifdef AVERTED_HAVE_MPI
  if (rank_ == 0) {
    for (int w = 1; w < size_; ++w) MPI_Send(nullptr, 0, MPI_BYTE, w, kFinish, MPI_COMM_WORLD);
  } else if (!served_) {
    // This rank stopped before it could serve (e.g. it could not read an input file):
    // it still answers rank 0 until the end, so that rank 0 never waits for it.
    serve_until_finished(
        rank_,
        [](const std::string&) -> std::string {
          throw std::runtime_error("this rank could not prepare to compute (see its error output)");
        },
        kUnable);
  }
  MPI_Finalize();
#endif
  g_session = nullptr;
}

void DistributedSession::serve(const TaskEvaluator& evaluate) {
  if (rank_ == 0) throw std::logic_error("rank 0 hands out tasks; it does not serve them");
  served_ = true;
#ifdef AVERTED_HAVE_MPI
  serve_until_finished(rank_, evaluate, kFailed);
#else
  (void)evaluate;
#endif
}

void evaluate_tasks(const std::vector<std::string>& tasks, const TaskEvaluator& evaluate,
                    const std::function<void(std::size_t index, TaskResult&& result)>& on_result) {
  const DistributedSession* session = current_session();
  if (!session || session->size() == 1) return evaluate_here(tasks, evaluate, on_result);
  if (session->rank() != 0) throw std::logic_error("evaluate_tasks is for rank 0; other ranks call serve()");
#ifdef AVERTED_HAVE_MPI
  evaluate_spread(session->size(), tasks, evaluate, on_result);
#endif
}

}  // namespace averted
