// Worked example of a lever with a capacity and a cost (docs/extending.md):
// supervised consumption facilities. While the lever is on, a number of facilities
// each register a fixed number of users among people who inject and are not in
// treatment; a registered user's overdoses are less often fatal. Places are given
// every 13 weeks: users who are still eligible keep theirs, free places go to other
// eligible people at random. Each facility costs a fixed amount a year.
#include "model/extensions/supervised_consumption.hpp"

#include <algorithm>
#include <cmath>

#include "model/england_model.hpp"
#include "model/parameters.hpp"

namespace averted::england {
namespace {

constexpr Decision kPlaceDraw{110};  // extension decision ids start at 100; never renumber

enum Measure { kRegisteredUsers, kOverdosesOfUsers, kFatalOverdosesOfUsers, kMeasureCount };

// Who can use a facility: people who inject and use, in the community, not in treatment.
bool eligible(const Population& pop, const PersonRecord& me, PersonId i) {
  const StateId s = pop.state[i];
  return me.injecting && (s == kNotInContact || s == kHarmReduction || s == kWaiting);
}

class SupervisedConsumption final : public Extension {
 public:
  explicit SupervisedConsumption(const Scenario& s)
      : start_(s.real("levers.supervised_consumption.start") - static_cast<double>(s.integer("run.start_year"))),
        end_(s.real("levers.supervised_consumption.end") - static_cast<double>(s.integer("run.start_year"))),
        facilities_(s.real("levers.supervised_consumption.facilities")),
        users_per_facility_(s.real("levers.supervised_consumption.users_per_facility")),
        fatality_rr_(s.real("levers.supervised_consumption.fatality_rr")),
        cost_(s.real("levers.supervised_consumption.cost_per_facility_year")),
        scale_(s.real("run.population_scale")),
        horizon_(static_cast<double>(s.integer("run.end_year") - s.integer("run.start_year"))) {}

  // On if the lever starts before the run ends and has facilities.
  bool active() const override { return start_ < horizon_ && end_ > start_ && facilities_ > 0.0; }

  std::vector<std::string> cost_items() const override { return {"supervised_consumption"}; }
  std::vector<OutputTable> tables() const override {
    return {{{"supervised_consumption", "people or overdoses",
              "Supervised consumption facilities (extension): registered users at the start of each period, "
              "and overdoses, and fatal overdoses, of registered users.",
              CellType::Int64,
              {Dimension{"supervised_consumption_measure",
                         {"registered_users", "overdoses_of_users", "fatal_overdoses_of_users"}}}}}};
  }
  void declare_decisions(DecisionRegistry& r) const override {
    r.add({kPlaceDraw, "supervised_consumption.place", "random order of eligible people for free places"});
  }
  std::string step_plan() const override {
    return "supervised consumption: every 13 steps, users still eligible keep their place and free places go "
           "to eligible people at random (sequential)";
  }
  std::vector<double> change_times() const override { return {start_, end_}; }

  void add_columns(Population& pop) override { user_ = pop.add_column<std::uint8_t>("supervised_consumption.user", 0); }

  void hazards(HazardEdit& h) const override {
    if (h.pop.data(user_)[h.id] && on(h.t) && eligible(h.pop, h.england, h.id)) h.scale_fatality(fatality_rr_);
  }

  void after_event(PersonContext& ctx, PersonId i, Event e, double t) const override {
    if ((e != kFatalOverdose && e != kNonFatalOverdose) || !ctx.pop.data(user_)[i]) return;
    count(ctx.tally, 0, period_of_time(t), kOverdosesOfUsers);
    if (e == kFatalOverdose) count(ctx.tally, 0, period_of_time(t), kFatalOverdosesOfUsers);
  }

  void end_step(StepContext& ctx, double t) override {
    if ((ctx.step + 1) % EnglandModel::kCaseManagementEvery != 0) return;  // every 13 steps
    auto& pop = ctx.pop;
    std::uint8_t* user = pop.data(user_);
    const PersonRecord* england = pop.data(england_column());
    const double quarter = static_cast<double>(EnglandModel::kCaseManagementEvery) / ctx.clock.steps_per_year;
    const auto places = on(t) ? static_cast<std::size_t>(std::llround(facilities_ * users_per_facility_ * scale_)) : 0;
    // Keep users who are still eligible (while there are places); others lose theirs.
    std::size_t held = 0;
    std::vector<std::pair<double, PersonId>> candidates;
    for (PersonId i = 0; i < pop.size(); ++i) {
      const bool can = eligible(pop, england[i], i);
      if (user[i] && can && held < places) {
        ++held;
      } else if (user[i]) {
        user[i] = 0;
        if (pop.state[i] != kDead && pop.state[i] != kEmigrated) pop.reschedule(i, static_cast<float>(t));  // fatality changed
      } else if (can && places > 0) {
        candidates.emplace_back(ctx.random.uniforms(kPlaceDraw, i, ctx.step)[0], i);
      }
    }
    const std::size_t fill = std::min(places - held, candidates.size());
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(fill), candidates.end());
    for (std::size_t k = 0; k < fill; ++k) {
      user[candidates[k].second] = 1;
      pop.reschedule(candidates[k].second, static_cast<float>(t));
    }
    if (places > 0) add_cost(ctx.tally, t - ctx.clock.step_length() / 2, 0, facilities_ * cost_ * scale_ * quarter);
  }

  void census(const Population& pop, PersonId i, std::uint32_t period, Tally& tally) const override {
    if (pop.data(user_)[i]) count(tally, 0, period, kRegisteredUsers);
  }

 private:
  bool on(double t) const { return t >= start_ && t < end_; }

  double start_, end_, facilities_, users_per_facility_, fatality_rr_, cost_, scale_, horizon_;
  Column<std::uint8_t> user_;
};

void declare(ParamTable& t) {
  using namespace param;
  t.add(real("levers.supervised_consumption.start", 2100, "calendar year", 1950, 2200,
             "Date supervised consumption facilities open (e.g. 2026-04-01). 2100: never.", "set by the scenario"));
  t.add(real("levers.supervised_consumption.end", 2200, "calendar year", 1950, 2200,
             "Date they close.", "set by the scenario"));
  t.add(real("levers.supervised_consumption.facilities", 1, "facilities (England)", 0, 1000,
             "Number of facilities open while the lever is on.", "set by the scenario"));
  t.add(real("levers.supervised_consumption.users_per_facility", 575, "registered users per facility", 0, 1e5,
             "Registered users of one facility (people who inject and are not in treatment); scaled with "
             "run.population_scale.",
             "The Thistle, Glasgow: 575 registered users in its first year, 2025 (Scottish Legal News, January 2026)"));
  t.add(multiplier("levers.supervised_consumption.fatality_rr", 0.65,
                   "Chance that a registered user's overdose is fatal, relative to a non-user's.",
                   "Marshall et al. 2011, Lancet: overdose deaths fell 35% within 500 m of Insite, Vancouver (9% "
                   "elsewhere); an area effect, applied to registered users as an assumption"));
  t.add(real("levers.supervised_consumption.cost_per_facility_year", 2.3e6, "pounds per facility-year", 0, 1e9,
             "Running cost of one facility for a year.",
             "Scottish Government: up to £2.3 million a year for The Thistle, Glasgow (2025)"));
}

std::unique_ptr<Extension> make(const Scenario& s) { return std::make_unique<SupervisedConsumption>(s); }

}  // namespace

ExtensionType supervised_consumption_extension() { return {"supervised_consumption", declare, make}; }

}  // namespace averted::england
