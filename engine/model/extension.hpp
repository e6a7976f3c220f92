/// @file
/// The England model's extension interface: how a researcher adds a risk factor, a
/// service or lever, or an output without editing the model or the kernel
/// (docs/extending.md walks through it with two worked examples).
///
/// An extension is a class derived from Extension, in its own file under
/// engine/model/extensions/, listed once in engine/model/extensions/registry.cpp.
/// It declares its parameters in the shared parameter table (so `averted validate`,
/// `averted params`, the JSON Schema and docs/parameters.md include them), and the
/// model calls its hooks:
///
///   - person attributes: its own population columns (add_columns), set for every new
///     person (new_person);
///   - risk windows and states: rate multipliers on any England event, its own events
///     with their own rates, and the time its rates next change (hazards);
///   - what its events do (apply), and what it does after any England event (after_event);
///   - services with capacity: a sequential phase at the end of every step (end_step);
///   - costs: its own cost items, which appear in the `costs` and `costs_discounted`
///     tables and so in every cost-effectiveness figure;
///   - outputs: its own tables, cut by the model's output period (tables, census).
///
/// An extension that its scenario switches off (active() false) takes no part in the
/// run: none of its hooks is called, so every England result is bit-identical to a
/// build without it. Its tables and cost items are still in the results (all zero), so
/// a scenario with it on and one with it off can be compared in one results file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "model/pathway.hpp"

namespace averted {
class ParamTable;
class Scenario;
}  // namespace averted

namespace averted::england {

struct PersonRecord;
struct Parameters;
class EnglandModel;

/// One person's hazards as an extension sees and changes them (hot path: called for
/// every hazard evaluation of every person while the extension is active, in
/// parallel over people; it must read only this person's data and be const).
class HazardEdit {
 public:
  HazardEdit(const Population& pop, PersonId id, double t, const PersonRecord& england, Hazards& hazards,
             double& until, double overdose, double fatality)
      : pop(pop), id(id), t(t), state(static_cast<State>(pop.state[id])), england(england), h_(hazards),
        until_(until), overdose_(overdose), fatality_(fatality) {}

  const Population& pop;
  const PersonId id;
  const double t;                ///< years since the run's start
  const State state;             ///< the person's care-pathway state
  const PersonRecord& england;   ///< the England model's attributes of this person

  /// Multiplies the overdose rate (fatal and non-fatal together): a risk factor.
  void scale_overdose(double m);
  /// Multiplies the chance that an overdose is fatal (capped at 1): a service that
  /// makes overdoses survivable. The overdose rate itself is unchanged.
  void scale_fatality(double m);
  /// Multiplies the rate of any other England event (e.g. kOstDropout). For the two
  /// overdose events use scale_overdose and scale_fatality, which keep them consistent.
  void scale(Event e, double m);
  /// Sets the rate (per year) of one of the extension's own events.
  void set_rate(EventId own_event, double rate);
  /// The current rate of an event (per year).
  double rate(EventId e) const { return h_.rate[e]; }
  /// Rates set here hold only until `time` (the end of a risk window, a lever date):
  /// the kernel evaluates the hazards again then.
  void valid_until(double time);

 private:
  void set_overdose();
  Hazards& h_;
  double& until_;
  double overdose_, fatality_;
};

/// Base class of an extension. Every hook has a default that does nothing.
class Extension {
 public:
  virtual ~Extension() = default;

  /// Whether the scenario switches this extension on. Off: no hook below is called.
  virtual bool active() const = 0;

  // ---- what it adds to the results layout (present whether on or off) ----
  /// Its cost items (columns of the costs tables), e.g. {"supervised_consumption"}.
  virtual std::vector<std::string> cost_items() const { return {}; }
  /// Its output tables. Give the dimensions after the period: the model puts its
  /// year (or week) dimension first.
  virtual std::vector<OutputTable> tables() const { return {}; }

  // ---- what it adds to a run (only while active) ----
  /// Its own events (at most Hazards::kMaxEvents in all). Event k of this list has id
  /// own_event(k).
  virtual std::vector<EventSpec> events() const { return {}; }
  /// Its random decisions. Ids 100 and up are for extensions; never renumber one.
  virtual void declare_decisions(DecisionRegistry& registry) const { (void)registry; }
  /// One line for the step plan, if it has a sequential phase.
  virtual std::string step_plan() const { return {}; }
  /// Run times (years since the start) at which its effect switches on or off
  /// (lever dates): every person's hazards are evaluated again there.
  virtual std::vector<double> change_times() const { return {}; }

  /// Declares its population columns (Population::add_column, named "<extension>.<what>").
  virtual void add_columns(Population& pop) { (void)pop; }
  /// Sequential: person i has just been created at time t (at the start or as a new
  /// initiate). Draw with ctx.random.uniforms(own decision, i, ctx.step).
  virtual void new_person(StepContext& ctx, PersonId i, double t) const { (void)ctx, (void)i, (void)t; }
  /// Parallel, hot path: changes person edit.id's hazards (see HazardEdit).
  virtual void hazards(HazardEdit& edit) const { (void)edit; }
  /// Parallel: one of its own events (own, counted from 0) happens to person i at t.
  virtual void apply(PersonContext& ctx, PersonId i, int own, double t) const { (void)ctx, (void)i, (void)own, (void)t; }
  /// Parallel: England event e has just happened to person i at t (after its effect).
  virtual void after_event(PersonContext& ctx, PersonId i, Event e, double t) const {
    (void)ctx, (void)i, (void)e, (void)t;
  }
  /// Sequential, after every person's events of the step; t is the step's end. A
  /// change to someone's situation here needs ctx.pop.reschedule(i, t).
  virtual void end_step(StepContext& ctx, double t) { (void)ctx, (void)t; }
  /// Parallel, at each census (the start of each output period): person i is alive.
  virtual void census(const Population& pop, PersonId i, std::uint32_t period, Tally& tally) const {
    (void)pop, (void)i, (void)period, (void)tally;
  }

  // ---- helpers for the hooks (valid once the model has taken the extension) ----
 protected:
  /// The England model's parameters, and its column of person records.
  const Parameters& england() const;
  Column<PersonRecord> england_column() const;
  /// Id of its own event k.
  EventId own_event(int k) const { return static_cast<EventId>(first_event_ + k); }
  /// Output period of time t, and of a step.
  std::uint32_t period_of_time(double t) const;
  std::uint32_t period_of_step(std::uint32_t step) const;
  /// Adds to cell `cell` (row-major over the dimensions after the period) of its
  /// table k in `period`: a count (Int64 tables) or an amount (Float64 tables).
  void count(Tally& tally, int k, std::uint32_t period, std::size_t cell, std::int64_t n = 1) const;
  void add_amount(Tally& tally, int k, std::uint32_t period, std::size_t cell, double amount) const;
  /// Adds pounds at time t to its cost item k.
  void add_cost(Tally& tally, double t, int k, double pounds) const;

 private:
  friend class EnglandModel;
  const EnglandModel* model_ = nullptr;
  std::size_t first_table_ = 0;
  int first_cost_item_ = 0;
  int first_event_ = 0;
};

/// An extension compiled into the program: its name, its parameters (declared
/// whether or not a scenario switches it on) and how to make it for one scenario.
struct ExtensionType {
  std::string name;
  void (*declare_parameters)(ParamTable& table);
  std::unique_ptr<Extension> (*make)(const Scenario& scenario);
};

/// Every extension compiled into the program, in a fixed order (the order of their
/// parameters, tables and cost items). Defined in engine/model/extensions/registry.cpp.
const std::vector<ExtensionType>& extension_types();

/// Declares every compiled-in extension's parameters (part of standard_parameters()).
void declare_extension_parameters(ParamTable& table);
/// One of each compiled-in extension, configured from the scenario.
std::vector<std::unique_ptr<Extension>> make_extensions(const Scenario& scenario);

}  // namespace averted::england
