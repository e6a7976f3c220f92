// Spreading independent tasks over the processes of an MPI job (docs/distributed.md).
//
// `averted` is one program for one machine and for many: started by an MPI launcher
// (mpirun, srun), process ("rank") 0 runs the command as usual and every other rank
// only evaluates tasks that rank 0 hands it. Without a launcher nothing of MPI is
// started and evaluate_tasks() runs every task in this process. <mpi.h> is included
// only by distributed.cpp.
//
// The contract, for any caller (the ensemble of runs, a calibration's generations):
//
//  * A task and its result are plain bytes (std::string): a task must say everything
//    needed to compute it, because it may be evaluated by another process. Every rank
//    builds the same TaskEvaluator from the same command line and input files.
//  * Rank 0 calls evaluate_tasks(tasks, evaluate, on_result) once per batch of
//    independent tasks, as many times as it likes. Tasks are handed out one at a time,
//    in list order, to whichever rank is free (dynamic hand-out); rank 0 evaluates
//    tasks too, on a second thread, while its calling thread coordinates.
//  * on_result is called on rank 0's calling thread, exactly once per task, in task
//    order (results that arrive early wait for the earlier ones), so anything it does
//    happens in the same order for any number of ranks. A task whose evaluation throws
//    gives a TaskResult with ok = false and the exception's message (prefixed with
//    the rank and host when evaluated elsewhere); the other tasks carry on.
//  * If on_result throws, no more tasks are handed out, the tasks already out are
//    waited for (and their results dropped), and the exception leaves evaluate_tasks.
//  * Every other rank calls serve(evaluate) once, which evaluates what it is sent
//    until rank 0's DistributedSession ends; serve then returns. A rank whose session
//    ends without serve() (it failed before it could, e.g. reading an input file)
//    fails the first task it is sent, and is given no more in this session.
//  * Results are bit-identical whoever computes them: evaluate must be a deterministic
//    function of the task bytes. Ranks must run the same build on the same kind of
//    machine (the bytes are exchanged as they are in memory).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace averted {

struct TaskResult {
  bool ok = false;
  std::string data;  // the result bytes, or (ok = false) what went wrong
};

using TaskEvaluator = std::function<std::string(const std::string& task)>;

// The MPI job this process belongs to, from MPI_Init to MPI_Finalize. At most one
// exists; evaluate_tasks() uses it. On rank 0 the destructor tells every other rank
// to stop serving.
class DistributedSession {
 public:
  // Starts MPI when this process was started by an MPI launcher (its environment has
  // OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_RANK or PMI_SIZE) and returns nullptr
  // otherwise. Throws std::runtime_error if it was, but this build has no MPI
  // (CMake option AVERTED_MPI=OFF): every process would otherwise run the whole job.
  static std::unique_ptr<DistributedSession> start_if_launched(int& argc, char**& argv);
  ~DistributedSession();
  DistributedSession(const DistributedSession&) = delete;
  DistributedSession& operator=(const DistributedSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

  // On ranks other than 0: evaluate tasks until rank 0's session ends.
  void serve(const TaskEvaluator& evaluate);

 private:
  DistributedSession(int rank, int size) : rank_(rank), size_(size) {}
  int rank_ = 0, size_ = 1;
  bool served_ = false;
};

// The session this process is part of, or nullptr (a single process).
DistributedSession* current_session();

// True when this build can run under MPI.
bool mpi_available();

// Evaluates every task, spread over the ranks of the current session (rank 0 only),
// or one after another in this process when there is none; see the contract above.
void evaluate_tasks(const std::vector<std::string>& tasks, const TaskEvaluator& evaluate,
                    const std::function<void(std::size_t index, TaskResult&& result)>& on_result);

}  // namespace averted
