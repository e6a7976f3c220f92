#include "core/simulation.hpp"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace averted {
namespace {

// Decision id of the kernel's own draw: the time and kind of a person's next event.
constexpr Decision kNextEventDecision{1};

// People are handed to threads in blocks of this many. Any value gives the same
// results; this one keeps per-block overhead small and load balanced (bench/).
constexpr PersonId kGrain = 4096;

// Bit j set when x[j] < t, for j < 16.
inline std::uint32_t due_mask16(const float* x, float t) {
#if defined(__SSE2__)
  const __m128 v = _mm_set1_ps(t);
  return static_cast<std::uint32_t>(_mm_movemask_ps(_mm_cmplt_ps(_mm_loadu_ps(x), v))) |
         static_cast<std::uint32_t>(_mm_movemask_ps(_mm_cmplt_ps(_mm_loadu_ps(x + 4), v))) << 4 |
         static_cast<std::uint32_t>(_mm_movemask_ps(_mm_cmplt_ps(_mm_loadu_ps(x + 8), v))) << 8 |
         static_cast<std::uint32_t>(_mm_movemask_ps(_mm_cmplt_ps(_mm_loadu_ps(x + 12), v))) << 12;
#else
  std::uint32_t m = 0;
  for (int j = 0; j < 16; ++j) m |= static_cast<std::uint32_t>(x[j] < t) << j;
  return m;
#endif
}

// People per scan window (one 64-bit mask).
constexpr PersonId kWindow = 64;

inline std::uint64_t due_mask64(const float* x, float t) {
  return static_cast<std::uint64_t>(due_mask16(x, t)) | static_cast<std::uint64_t>(due_mask16(x + 16, t)) << 16 |
         static_cast<std::uint64_t>(due_mask16(x + 32, t)) << 32 |
         static_cast<std::uint64_t>(due_mask16(x + 48, t)) << 48;
}

float later_than(double wanted, float current) {
  // Stored times are float: never let rounding put the next time at or before now.
  const float f = static_cast<float>(wanted);
  return f > current ? f : std::nextafter(current, kNever);
}

struct PersonLoop {
  Model& model;
  Population& pop;
  const RandomStreams& random;
  const std::vector<std::uint8_t>& absorbing;
  std::size_t n_events;
  double horizon;  // end of the run: nothing after it is ever processed
  bool check;

  // Bound on the hazard segments one draw walks through before it gives up and
  // schedules a re-draw at the segment boundary (which is exact too, by memorylessness).
  static constexpr int kMaxSegments = 64;

  struct Counts {
    std::uint64_t events = 0, redraws = 0, exits = 0;
  };

  // Processes every event of person i that falls before t_end, in time order.
  void person(PersonId i, std::uint32_t step, double t_end, Tally& tally, Counts& counts) const {
    PersonContext ctx{pop, random, tally, step};
    std::uint32_t sub = 0;  // sub-index of the kernel's draws for this person this step
    while (pop.next_time[i] < t_end) {
      const float now_f = pop.next_time[i];
      const EventId e = pop.next_event[i];
      if (e != kRedraw) {
        model.apply(ctx, i, e, now_f);
        ++counts.events;
        if (absorbing[pop.state[i]]) {
          pop.next_time[i] = kNever;
          ++counts.exits;
          break;
        }
      } else {
        ++counts.redraws;
      }
      schedule(i, now_f, random.uniforms(kNextEventDecision, i, step, sub++), counts);
      if (check && pop.next_time[i] <= now_f) throw InvariantViolation("time ran backwards");
    }
  }

  // Samples person i's next event from now on by inverting the cumulative hazard:
  // the event happens when the integrated total hazard reaches a unit exponential
  // E = -log(u[0]). Hazards are piecewise constant (each piece valid until h.until,
  // e.g. a birthday), and nothing but the person's own events changes them, so the
  // pieces are walked here, in one call, instead of re-drawing at each boundary:
  // a boundary passed costs one hazard evaluation, not a schedule entry, a scan hit
  // and a fresh draw. The kind of event is the one whose share of the total hazard,
  // in the piece where E runs out, contains u[1] (independent of E).
  void schedule(PersonId i, float now_f, const Uniforms4& u, Counts& counts) const {
    Hazards h;
    double mass = -std::log(u[0]);  // cumulative hazard left before the event
    double t = now_f;
    for (int segment = 0;; ++segment) {
      model.hazards(pop, i, t, h);
      if (!(h.until > t)) {
        if (check) {
          throw InvariantViolation("hazards valid until " + std::to_string(h.until) +
                                   ", not after now (" + std::to_string(t) + ")");
        }
        return redraw_at(i, t, now_f);
      }
      const double total = total_rate(h);
      const double wait = total > 0.0 ? mass / total : std::numeric_limits<double>::infinity();
      if (t + wait < h.until) {
        double target = u[1] * total, acc = 0.0;
        std::size_t k = 0;
        for (; k + 1 < n_events; ++k) {
          acc += h.rate[k];
          if (target < acc && h.rate[k] > 0.0) break;
        }
        while (h.rate[k] <= 0.0) --k;  // rounding at the top end: last positive rate
        pop.next_time[i] = later_than(t + wait, now_f);
        pop.next_event[i] = static_cast<EventId>(k);
        return;
      }
      // E outlasts this piece: spend its share and move on to the next piece.
      if (total > 0.0) mass = std::max(0.0, mass - total * (h.until - t));  // >= 0 despite rounding
      t = h.until;
      if (t >= horizon || segment + 1 == kMaxSegments) return redraw_at(i, t, now_f);
      ++counts.redraws;  // a hazard change without an event, as before
    }
  }

  // Sum of the rates in four independent chains: a single chain of n_events
  // dependent additions was the longest latency in scheduling.
  double total_rate(const Hazards& h) const {
    double a = 0.0, b = 0.0, c = 0.0, d = 0.0;
    std::size_t k = 0;
    for (; k + 4 <= n_events; k += 4) {
      a += h.rate[k];
      b += h.rate[k + 1];
      c += h.rate[k + 2];
      d += h.rate[k + 3];
    }
    for (; k < n_events; ++k) a += h.rate[k];
    return (a + b) + (c + d);
  }

  void redraw_at(PersonId i, double t, float now_f) const {
    pop.next_time[i] = later_than(t, now_f);
    pop.next_event[i] = kRedraw;
  }
};

// The invariants of a run, checked after initialisation, at the end of every output period and of the run, when
// checks are on (docs/reliability.md). `alive` is the kernel's own running count
// (those alive at the start, plus entrants, less the exits it applied), so comparing
// it with the state column catches people lost, counted twice or brought back.
void check_people(const Model& model, const Population& pop, const std::vector<std::uint8_t>& absorbing,
                  std::uint64_t alive, PersonId initial, std::uint64_t entered, double t_end,
                  std::uint32_t step) {
  const auto where = [&] { return " (after step " + std::to_string(step) + ")"; };
  const auto& states = model.states();
  if (pop.size() != initial + entered) {
    throw InvariantViolation("people not conserved: " + std::to_string(pop.size()) + " rows, but " +
                             std::to_string(initial) + " initial + " + std::to_string(entered) + " entered" +
                             where());
  }
  // Nobody may be due before the step's end (their event would be missed, or applied
  // later at a time already past). A sequential phase may reschedule someone at the
  // boundary itself, stored as the float just below it: that is allowed.
  float t_end_f = static_cast<float>(t_end);
  if (t_end_f > t_end) t_end_f = std::nextafter(t_end_f, -kNever);
  float t_end_up = static_cast<float>(t_end);  // the float just above it, for times stored as floats
  if (t_end_up < t_end) t_end_up = std::nextafter(t_end_up, kNever);
  std::vector<std::uint64_t> by_state(states.size(), 0);
  for (PersonId i = 0; i < pop.size(); ++i) {
    const StateId st = pop.state[i];
    const auto who = [&] { return "person " + std::to_string(i); };
    if (st >= states.size()) {
      throw InvariantViolation(who() + " is in state " + std::to_string(st) + ", which does not exist" + where());
    }
    ++by_state[st];
    const float next = pop.next_time[i];
    if (absorbing[st] && next != kNever) {
      throw InvariantViolation(who() + " is " + states[st].name + " but has an event due at " +
                               std::to_string(next) + where());
    }
    if (!absorbing[st] && !(next >= t_end_f)) {  // also catches NaN
      throw InvariantViolation(who() + " (" + states[st].name + ") has an event due at " + std::to_string(next) +
                               ", before the end of the step at " + std::to_string(t_end) +
                               ": time would run backwards" + where());
    }
    if (!(pop.state_since[i] <= t_end_up)) {
      throw InvariantViolation(who() + " entered " + states[st].name + " at " + std::to_string(pop.state_since[i]) +
                               ", after the end of the step at " + std::to_string(t_end) + where());
    }
  }
  std::uint64_t living = 0, gone = 0;
  std::string gone_by_state;
  for (std::size_t k = 0; k < states.size(); ++k) {
    (absorbing[k] ? gone : living) += by_state[k];
    if (absorbing[k]) gone_by_state += " + " + std::to_string(by_state[k]) + " " + states[k].name;
  }
  if (alive + gone != static_cast<std::uint64_t>(initial) + entered || living != alive) {
    throw InvariantViolation("people not conserved: " + std::to_string(alive) + " alive" + gone_by_state +
                             " != " + std::to_string(initial) + " initial + " + std::to_string(entered) +
                             " entered (the states say " + std::to_string(living) + " alive)" + where());
  }
  if (std::string problem = model.invariant_problem(pop, step); !problem.empty()) {
    throw InvariantViolation(problem + where());
  }
}

// Counts (tables that are not fixed-point amounts) can never be negative.
void check_counts(const std::vector<OutputTable>& tables, const Tally& tally) {
  for (std::size_t t = 0; t < tables.size(); ++t) {
    if (tables[t].fixed_point_scale > 0) continue;
    const auto& cells = tally.cells(t);
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (cells[c] < 0) {
        throw InvariantViolation("table '" + tables[t].spec.name + "' has a negative count (" +
                                 std::to_string(cells[c]) + ") in cell " + std::to_string(c));
      }
    }
  }
}

// AVERTED_CHECK_INVARIANTS=1 switches the checks on for every run of the process
// (setup.sh test sets it, so every test runs with them).
bool checks_forced_by_environment() {
  const char* v = std::getenv("AVERTED_CHECK_INVARIANTS");
  return v != nullptr && v[0] == '1' && v[1] == '\0';
}

}  // namespace

std::vector<std::string> step_plan(const Model& model) {
  std::vector<std::string> plan = {
      "census (parallel over people; only at the start of an output period)",
  };
  for (auto& line : model.step_plan()) plan.push_back(line);
  return plan;
}

RunOutputs run_simulation(Model& model, const RunSettings& settings, RunStats* stats) {
  std::optional<tbb::global_control> limit;
  if (settings.threads > 0) {
    limit.emplace(tbb::global_control::max_allowed_parallelism,
                  static_cast<std::size_t>(settings.threads));
  }
  const auto& tables = model.outputs();
  const std::size_t n_events = model.events().size();
  if (n_events == 0 || n_events > static_cast<std::size_t>(Hazards::kMaxEvents)) {
    throw std::logic_error("a model must declare between 1 and 64 events");
  }
  std::vector<std::uint8_t> absorbing;
  for (const auto& s : model.states()) absorbing.push_back(s.absorbing ? 1 : 0);

  DecisionRegistry decisions;
  decisions.add({kNextEventDecision, "kernel.next_event", "time and kind of a person's next event"});
  // Reserved: parameter draws (uncertainty/parameter_draws.hpp), keyed with replicate 0.
  decisions.add({Decision{2}, "parameters.draw", "draw d of an uncertain scenario parameter"});
  model.declare_decisions(decisions);
  decisions.check_unique();

  const RandomStreams random(settings.key);
  Population pop;
  model.add_columns(pop);
  Tally main_tally(tables);
  tbb::enumerable_thread_specific<Tally> thread_tallies([&] { return Tally(tables); });

  const Clock& clock = settings.clock;
  StepContext start{pop, random, main_tally, clock, 0};
  model.initialise(start);

  const bool check = settings.check_invariants || checks_forced_by_environment();
  const PersonLoop loop{model, pop, random, absorbing, n_events, clock.time_of_step(clock.steps()), check};
  RunStats local;
  const auto t_start = std::chrono::steady_clock::now();
  const std::uint32_t steps = clock.steps();
  std::uint64_t alive = 0;
  PersonId people_before = 0;
  for (PersonId i = 0; i < pop.size(); ++i) people_before += !absorbing[pop.state[i]];
  alive = people_before;
  people_before = pop.size();
  const PersonId initial = pop.size();
  if (check) check_people(model, pop, absorbing, alive, initial, 0, 0.0, 0);
  for (std::uint32_t step = 0; step < steps; ++step) {
    StepContext sctx{pop, random, main_tally, clock, step};
    if (model.is_period_start(step)) {
      const std::uint32_t period = model.period_of_step(step);
      tbb::parallel_for(tbb::blocked_range<PersonId>(0, pop.size(), kGrain), [&](const auto& r) {
        Tally& tally = thread_tallies.local();
        for (PersonId i = r.begin(); i != r.end(); ++i) model.census(pop, i, period, tally);
      });
    }
    model.begin_step(sctx);
    const PersonId n = pop.size();
    const double t_end = clock.time_of_step(step + 1);
    // The smallest float >= t_end: for any stored time x, x < t_end_f exactly when
    // x < t_end, so the scan compares floats without converting each one.
    float t_end_f = static_cast<float>(t_end);
    if (t_end_f < t_end) t_end_f = std::nextafter(t_end_f, kNever);
    // People alive this step: those alive at its start (entrants included). Kept as
    // a running count so the scan reads nothing but the schedule column.
    alive += n - people_before;
    local.person_steps += alive;
    tbb::enumerable_thread_specific<PersonLoop::Counts> counts;
    const auto columns = pop.column_views();  // after begin_step: appending moves columns
    tbb::parallel_for(tbb::blocked_range<PersonId>(0, n, kGrain), [&](const auto& r) {
      Tally& tally = thread_tallies.local();
      PersonLoop::Counts& c = counts.local();
      const float* next = pop.next_time.data();
      const float due_before = t_end_f;  // a local: person() stores floats, so a captured one is reloaded
      // About 2% of people have something due in a given week. The scan tests 64
      // schedule entries at a time (SIMD) and visits only the set bits; a window's
      // people are prefetched (all their columns) while the previous window's are
      // processed, hiding the cache misses of jumping to a person. Processing a
      // person changes only their own entries, so a mask stays valid.
      std::uint64_t pending = 0;
      PersonId pending_at = r.begin();
      auto process = [&](PersonId at, std::uint64_t mask) {
        for (; mask != 0; mask &= mask - 1) {
          loop.person(at + static_cast<PersonId>(std::countr_zero(mask)), step, t_end, tally, c);
        }
      };
      PersonId i = r.begin();
      for (; i + kWindow <= r.end(); i += kWindow) {
        const std::uint64_t mask = due_mask64(next + i, due_before);
        for (std::uint64_t m = mask; m != 0; m &= m - 1) {
          const std::size_t p = i + static_cast<PersonId>(std::countr_zero(m));
          for (std::size_t k = 1; k < columns.size(); ++k) {  // 0 is the schedule, just read
            __builtin_prefetch(columns[k].base + p * columns[k].element_size);
          }
        }
        process(pending_at, pending);
        pending = mask;
        pending_at = i;
      }
      process(pending_at, pending);
      for (; i != r.end(); ++i) {
        if (next[i] < due_before) loop.person(i, step, t_end, tally, c);
      }
    });
    for (const auto& c : counts) {
      local.events += c.events;
      local.redraws += c.redraws;
      alive -= c.exits;
    }
    people_before = n;
    model.end_step(sctx);
    // The whole-population checks once per output period and at the end (every step
    // doubled the time of England-scale runs); the per-event checks run always.
    // (People an end-of-step phase adds are counted as alive from the next step on.)
    if (check && (step + 1 == steps || model.is_period_start(step + 1))) {
      check_people(model, pop, absorbing, alive + (pop.size() - people_before), initial, pop.size() - initial,
                   t_end, step);
    }
    if (settings.progress) settings.progress(step + 1, steps);
  }
  local.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  local.people = pop.size();
  for (const auto& t : thread_tallies) main_tally.merge(t);
  model.finish(main_tally);
  if (check) check_counts(tables, main_tally);
  if (stats) *stats = local;
  return main_tally.to_outputs(tables);
}

}  // namespace averted
