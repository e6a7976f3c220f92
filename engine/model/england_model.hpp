// The England model: an ageing cohort of people who use heroin, moving through the
// care pathway (pathway.hpp) with competing causes of death. Built on the kernel's
// Model interface only.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "core/model.hpp"
#include "model/pathway.hpp"
#include "scenario/scenario.hpp"

namespace averted::england {

// Parameters as the hot path uses them: rates per year, age curves tabulated by
// single year of age.
struct Parameters {
  static constexpr int kMaxAge = 110;
  Clock clock;
  double scale = 1.0;
  bool weekly = false;

  double initial_size = 0;
  Series new_injectors, initiation_age;
  double initiates_per_injector = 1, initiation_age_sd = 0, share_male = 0, share_injecting = 0;
  double cessation = 0, emigration = 0;

  // Per single year of age: overdoses per person-year of someone not in contact with
  // services (the reference), and deaths from the other causes.
  std::array<double, kMaxAge + 1> overdose{}, liver{}, copd{}, suicide{}, other{};
  double fatality = 0;
  double rr_ost = 1, rr_ost_induction = 1, rr_after_exit = 1, rr_reduction = 1,
         rr_residential = 1, rr_recovery = 1, rr_prison = 1, rr_release_w12 = 1,
         rr_release_w34 = 1, rr_relapse = 1, rr_injecting = 1;

  double outreach = 0, lose_contact = 0, self_referral = 0, referral = 0, ost_dropout = 0,
         voluntary_reduction = 0, forced_reduction = 0, reduction_complete = 0,
         reduction_failed = 0, forced_failure_rr = 1, residential_entry = 0,
         residential_complete = 0, residential_dropout = 0, relapse = 0, recovery_cessation = 0,
         imprisonment = 0, imprisonment_rr_treated = 1, release = 0;
  Series continuity_of_care;

  static Parameters from(const Scenario& scenario);
};

inline constexpr float kNoTime = -1e9f;  // "never happened" for last_exit / last_release

// The model's per-person attributes, kept together in one 16-byte column because
// every event reads most of them: one cache line per person instead of seven.
struct PersonRecord {
  float birth;         // birth time, years since the run's start
  float last_exit;     // last exit from OST, dose reduction or residential care
  float last_release;  // last release from prison
  std::uint8_t sex;    // 0 male, 1 female
  std::uint8_t injecting;
  std::uint8_t prev_state;  // state before the current one
  std::uint8_t forced;      // the current dose reduction is forced
};
static_assert(sizeof(PersonRecord) == 16);

class EnglandModel final : public Model {
 public:
  explicit EnglandModel(Parameters p);

  const std::vector<StateSpec>& states() const override { return states_; }
  const std::vector<EventSpec>& events() const override { return events_; }
  const std::vector<OutputTable>& outputs() const override { return outputs_; }
  void declare_decisions(DecisionRegistry& registry) const override;
  std::vector<std::string> step_plan() const override;

  void add_columns(Population& pop) override;
  void initialise(StepContext& ctx) override;
  void begin_step(StepContext& ctx) override;
  void hazards(const Population& pop, PersonId i, double t, Hazards& out) const override;
  void apply(PersonContext& ctx, PersonId i, EventId e, double t) const override;
  void end_step(StepContext&) override {}
  void census(const Population& pop, PersonId i, std::uint32_t period, Tally& tally) const override;
  std::uint32_t period_of_step(std::uint32_t step) const override;
  bool is_period_start(std::uint32_t step) const override;

  const Parameters& parameters() const { return p_; }

  // Output table indices, in the order of outputs().
  enum Table : std::size_t { kDeaths, kOverdoses, kEvents, kPeople, kPersonYears, kEntrants };
  static constexpr int kAgeBands = 11;  // <20, 20-24, ..., 60-64, 65+

 private:
  std::uint32_t period_of_time(double t) const;
  double period_end(std::uint32_t period) const;
  Pathway pathway(const Population& pop, PersonId i, double t) const;
  void move(PersonContext& ctx, PersonId i, State to, double t) const;
  void add_person(Population& pop, PersonId i, double entry_time, double age, const Uniforms4& u) const;

  Parameters p_;
  std::uint32_t periods_;
  std::vector<StateSpec> states_;
  std::vector<EventSpec> events_;
  std::vector<OutputTable> outputs_;
  Column<PersonRecord> person_;
};

std::unique_ptr<Model> make_model(const Scenario& scenario);
Clock clock_from(const Scenario& scenario);

}  // namespace averted::england
