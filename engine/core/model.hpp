// The interface between the kernel and a model. The kernel owns time, people,
// random numbers, parallelism and outputs; a model says, for one person at one time,
// which events compete and at what rates (hazards), and what each event does
// (apply). The kernel samples which event happens and when, exactly, from the
// competing hazards (see docs/kernel.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/decisions.hpp"
#include "core/population.hpp"
#include "core/random.hpp"
#include "core/tally.hpp"

namespace averted {

struct StateSpec {
  std::string name;
  std::string description;
  bool absorbing = false;  // dead, ceased: no further events
};

struct EventSpec {
  std::string name;
  std::string description;
};

// The competing hazards of one person, constant from the time they are computed
// until `until` (a birthday, the end of a risk window, a policy date).
struct Hazards {
  static constexpr int kMaxEvents = 64;
  // Per year, indexed by EventId. Left uninitialised (it is filled on the hot path):
  // a model sets the rate of every event it declares, on every call.
  std::array<double, kMaxEvents> rate;
  double until = 0.0;                      // years since start; > the evaluation time
};

// Time on the run's clock: years since 1 January of the start year. A step is
// 1/steps_per_year of a year (a "week" is 1/52 year, so years hold whole steps).
struct Clock {
  int start_year = 1993;
  int end_year = 2030;  // exclusive: the run ends on 1 January of end_year
  int steps_per_year = 52;
  std::uint32_t steps() const { return static_cast<std::uint32_t>((end_year - start_year) * steps_per_year); }
  double step_length() const { return 1.0 / steps_per_year; }
  double time_of_step(std::uint32_t s) const { return static_cast<double>(s) / steps_per_year; }
  double calendar_year(double t) const { return start_year + t; }
};

// Everything a person-level call may use besides the model's own parameters.
struct PersonContext {
  Population& pop;
  const RandomStreams& random;
  Tally& tally;
  std::uint32_t step;  // counter field of any draw made here
  std::uint32_t sub = 0;  // next free sub-index for this person in this step

  // The uniforms of a model decision for person i; each call in a step gets its own.
  Uniforms4 draw(Decision d, PersonId i) { return random.uniforms(d, i, step, sub++); }
};

// A phase that runs once per step on one thread (entrants, capacity, census).
struct StepContext {
  Population& pop;
  const RandomStreams& random;
  Tally& tally;
  const Clock& clock;
  std::uint32_t step;
};

class Model {
 public:
  virtual ~Model() = default;

  virtual const std::vector<StateSpec>& states() const = 0;
  virtual const std::vector<EventSpec>& events() const = 0;
  virtual const std::vector<OutputTable>& outputs() const = 0;
  virtual void declare_decisions(DecisionRegistry& registry) const = 0;
  // The order of work in a step, one line per phase, for --dry-run and provenance.
  virtual std::vector<std::string> step_plan() const = 0;

  // Declares this model's population columns (called once per run, before people).
  virtual void add_columns(Population& pop) = 0;
  // Creates the people alive at the start of the run.
  virtual void initialise(StepContext& ctx) = 0;
  // Sequential, at the start of each step: people entering the population.
  virtual void begin_step(StepContext& ctx) = 0;
  // Parallel over people: the competing hazards of person `i` at time `t`.
  virtual void hazards(const Population& pop, PersonId i, double t, Hazards& out) const = 0;
  // Parallel over people: event `e` happens to person `i` at time `t`.
  virtual void apply(PersonContext& ctx, PersonId i, EventId e, double t) const = 0;
  // Sequential, at the end of each step (after every person's events of the step).
  virtual void end_step(StepContext& ctx) = 0;
  // Parallel over people, at each census time (the start of each output period and
  // the end of the run): record who is where.
  virtual void census(const Population& pop, PersonId i, std::uint32_t period, Tally& tally) const = 0;
  // Once, after the run, on the merged tally: outputs derived from others (e.g.
  // costs from person-years). Default: nothing.
  virtual void finish(Tally& tally) const { (void)tally; }
  // With invariant checks on, called after each step (sequential): the model's own
  // invariants, e.g. that no service holds more people than its capacity. Returns
  // what is wrong, in words, or an empty string. Default: nothing to check.
  virtual std::string invariant_problem(const Population& pop, std::uint32_t step) const {
    (void)pop, (void)step;
    return {};
  }
  // Output periods: census and per-period tables are indexed by these.
  virtual std::uint32_t period_of_step(std::uint32_t step) const = 0;
  virtual bool is_period_start(std::uint32_t step) const = 0;
};

}  // namespace averted
