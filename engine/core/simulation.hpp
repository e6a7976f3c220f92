// Runs one model for one (parameter draw, replicate): the step loop.
#pragma once

#include <cstdint>
#include <functional>

#include "core/model.hpp"

namespace averted {

struct RunSettings {
  Clock clock;
  StreamKey key;
  int threads = 0;                // 0: all available cores
  // Checks of the kernel's invariants (docs/reliability.md): on every event, and over the
  // whole population at the end of every output period. Also switched on by
  // AVERTED_CHECK_INVARIANTS=1, which the test suite sets.
  bool check_invariants = false;
  // Called on the calling thread after each step with (steps done, steps in all).
  std::function<void(std::uint32_t, std::uint32_t)> progress;
};

struct RunStats {
  std::uint64_t person_steps = 0;  // people alive at each step, summed over steps
  std::uint64_t events = 0;        // events applied
  std::uint64_t redraws = 0;       // hazard changes without an event
  PersonId people = 0;             // people ever simulated
  double seconds = 0.0;            // wall time of the step loop
};

// Thrown when an invariant check fails (a bug in a model or the kernel).
struct InvariantViolation : std::logic_error {
  using std::logic_error::logic_error;
};

RunOutputs run_simulation(Model& model, const RunSettings& settings, RunStats* stats = nullptr);

// The kernel's own lines of the step plan (the model's are placed between them).
std::vector<std::string> step_plan(const Model& model);

}  // namespace averted
