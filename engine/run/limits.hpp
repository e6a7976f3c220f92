// Up-front resource checks: before any work starts, estimate what a grid of runs
// needs (memory, disk for the results file, time) and refuse, with the estimate, a
// grid the machine cannot hold. The estimates are upper bounds (nobody is assumed to
// leave the population; results are counted uncompressed), so a refusal is never
// wrong by more than that margin; a run refused by a bound that is too cautious can
// be forced with AVERTED_IGNORE_LIMITS=1 (not the hard limit of 2^32 people).
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"

namespace averted {

struct ResourceEstimate {
  double people = 0;        // most people one run holds (everyone ever simulated)
  double memory_bytes = 0;  // peak memory of the process (runs go one at a time)
  double output_bytes = 0;  // results file, uncompressed
  double person_steps = 0;  // summed over all runs, nobody leaving
  double seconds = 0;       // wall time at kPersonStepsPerThreadSecond per thread
  std::string describe() const;  // one line, human units
};

// Person-steps per second per thread assumed for the time estimate: about a third of
// the rate measured on the 2-core development machine (docs/performance.md).
inline constexpr double kPersonStepsPerThreadSecond = 1e8;

// What the machine offers; infinity where there is no limit.
struct MachineLimits {
  double memory_bytes;  // MemAvailable, capped by the cgroup and RLIMIT_AS
  double disk_bytes;    // free space in the output folder
  double seconds;       // AVERTED_TIME_LIMIT (e.g. 3600, 90m, 12h, 2d), else RLIMIT_CPU / threads
  int threads;
};

struct ResourceLimitExceeded : std::runtime_error {
  using std::runtime_error::runtime_error;
};

ResourceEstimate estimate_resources(const std::vector<Scenario>& scenarios, std::uint32_t draws,
                                    std::uint32_t replicates, int threads = 0);
MachineLimits machine_limits(const std::filesystem::path& output_folder, int threads = 0);

// Throws ResourceLimitExceeded naming each limit the estimate passes, with both
// figures. With ignore_soft_limits only the 2^32-people limit is enforced.
void check_resources(const ResourceEstimate& need, const MachineLimits& have, bool ignore_soft_limits);

// What `averted run` calls before it creates anything: estimate, compare with this
// machine, refuse if it does not fit (AVERTED_IGNORE_LIMITS=1 in the environment
// turns the memory, disk and time refusals into warnings on stderr).
void refuse_if_too_big(const std::vector<Scenario>& scenarios, std::uint32_t draws,
                       std::uint32_t replicates, int threads,
                       const std::filesystem::path& output_file);

// The same for an EnsembleRequest (run/ensemble.hpp); a request without parameter
// draws counts as one draw.
template <class Request>
void refuse_if_too_big(const Request& req) {
  std::uint32_t draws = 1;
  if constexpr (requires { req.draws; }) draws = req.draws;
  refuse_if_too_big(req.scenarios, draws, req.replicates, req.threads, req.output);
}

}  // namespace averted
