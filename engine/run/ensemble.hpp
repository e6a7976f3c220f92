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
#include "scenario/scenario.hpp"

namespace averted {

struct EnsembleRequest {
  std::vector<Scenario> scenarios;  // index 0 is the comparator
  std::uint32_t master_seed = 0;
  std::uint32_t replicates = 1;
  int threads = 0;
  std::filesystem::path output;
  std::string command_line;
  bool check_invariants = false;
};

struct RunProgress {
  std::uint32_t run = 0, runs = 0;  // which run of how many (1-based)
  std::string scenario;
  std::uint32_t replicate = 0;
  std::uint32_t step = 0, steps = 0;
  int calendar_year = 0;
};

struct EnsembleSummary {
  std::vector<RunStats> runs;
  double seconds = 0.0;
};

// The whole order of work, as written into provenance and shown by --dry-run.
std::string describe_plan(const EnsembleRequest& request);

EnsembleSummary run_ensemble(const EnsembleRequest& request,
                             const std::function<void(const RunProgress&)>& progress = {});

}  // namespace averted
