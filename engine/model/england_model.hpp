// The England model: an ageing cohort of people who use heroin, moving through the
// care pathway (pathway.hpp) with competing causes of death, hepatitis C, liver
// disease, COPD, co-prescribed sedatives, take-home naloxone and the eight
// commissioning levers. Built on the kernel's Model interface only; docs/model.md
// gives every equation and source.
#pragma once

#include <tbb/enumerable_thread_specific.h>

#include <array>
#include <memory>
#include <vector>

#include "core/model.hpp"
#include "model/extension.hpp"
#include "model/local_area.hpp"
#include "model/pathway.hpp"
#include "scenario/scenario.hpp"

namespace averted::england {

// A commissioning lever is on from `start` (inclusive) to `end` (exclusive), in
// years since the run's start.
struct LeverWindow {
  double start = 1e9, end = 1e9;
  bool on(double t) const { return t >= start && t < end; }
  // Share of [a, b) during which the lever is on.
  double share_of(double a, double b) const;
};

// Parameters as the hot path uses them: rates per year, age curves tabulated by
// single year of age, calendar series converted to run time.
struct Parameters {
  static constexpr int kMaxAge = 110;
  enum Queue { kFifo, kRandom, kRisk };
  Clock clock;
  double scale = 1.0;  // run.population_scale: simulated people per person of the area described
  // The area described (England unless local_area is set) and the share of England's
  // cohort simulated: scale x the area's share of England's users.
  LocalArea area;
  double population_fraction = 1.0;
  bool weekly = false;

  double initial_size = 0;
  Series new_injectors;
  Series initiation_age;  // population.initiation_age plus population.initiation_age_shift
  double initiates_per_injector = 1, initiation_age_sd = 0, share_male = 0, share_injecting = 0;
  double cessation = 0, emigration = 0;

  // Per single year of age: overdoses per person-year of someone not in contact with
  // services (the reference), deaths from the other causes, COPD onset.
  std::array<double, kMaxAge + 1> overdose{}, liver{}, copd{}, suicide{}, other{}, copd_onset{};
  // Remaining general-population life expectancy by sex and age (life-years lost).
  std::array<std::array<double, kMaxAge + 1>, 2> life_expectancy{};
  // Overdose period effect by year of the run (index: calendar year - start year).
  std::vector<double> overdose_period;
  double fatality = 0, fatality_naloxone = 0, kit_used = 0, kit_shelf_life = 0, copd_fatality_rr = 1;
  double rr_ost = 1, rr_ost_induction = 1, rr_after_exit = 1, rr_reduction = 1,
         rr_residential = 1, rr_recovery = 1, rr_prison = 1, rr_release_w12 = 1,
         rr_release_w34 = 1, rr_relapse = 1, rr_injecting = 1, rr_sedatives = 1, rr_recent_overdose = 1,
         rr_release_prison_ost = 1;

  double outreach = 0, lose_contact = 0, self_referral = 0, referral = 0, ost_dropout = 0,
         voluntary_reduction = 0, forced_reduction = 0, reduction_complete = 0,
         reduction_failed = 0, forced_failure_rr = 1, residential_entry = 0,
         residential_complete = 0, residential_dropout = 0, relapse = 0, recovery_cessation = 0,
         imprisonment = 0, imprisonment_rr_treated = 1, release = 0, prison_ost_share = 0;
  Series continuity_of_care;

  // Comorbidities.
  double hcv_infection = 0, hcv_at_entry = 0, hcv_test_treated = 0, hcv_test_outside = 0,
         liver_onset_hcv = 0, liver_onset_other = 0, liver_rr_disease = 1, liver_rr_hcv = 1,
         copd_death_rr = 1, mental_health_share = 0, suicide_rr_mh = 1, sedatives_start = 0,
         sedatives_stop = 0;
  Series hcv_treatment;  // by calendar year

  // Naloxone supply per person-year without a kit, by channel; chance of a kit on release.
  double kits_treatment = 0, kits_outreach = 0, kits_pharmacy_peer = 0, kit_on_release = 0;

  // Unit costs, pounds.
  double cost_ost = 0, cost_residential = 0, cost_kit = 0, cost_outreach = 0, cost_hcv_test = 0,
         cost_hcv_treatment = 0, cost_linkage = 0;

  // The eight levers (budget: costs are reported by lever; budget mode comes with
  // the commissioning issue).
  struct {
    LeverWindow when;
    double referral_rr = 1, induction_rr = 1, cost_per_induction = 0;
  } ost_access;
  struct {
    LeverWindow when;
    double time_limited_share = 0, time_limit = 1, dropout_rr = 1, cost_per_client_year = 0;
  } retention;
  struct {
    LeverWindow when;
    double supply_rr = 1, kit_on_release = 0;
  } naloxone;
  struct {
    LeverWindow when;
    double continuity = 0, ost_in_prison = 0;
  } prison;
  struct {
    LeverWindow when;
    double contact_rr = 1, conversion_rr = 1;
  } outreach_lever;
  struct {
    LeverWindow when;
    double hcv_testing_rr = 1, hcv_treatment_rr = 1, copd_death_rr = 1, liver_death_rr = 1, suicide_rr = 1,
           cost_per_person_year = 0;
  } health;
  struct {
    LeverWindow when;
    double places = 0;
    bool by_risk = true;
    double overdose_rr = 1, dropout_rr = 1, cost_per_place_year = 0;
  } case_management;

  struct {
    LeverWindow when;
    double ost_places = 1e9, residential_places = 1e9, dropoff = 0, outreach_per_week = 0;
    std::array<double, 3> kits_per_year{};  // by community channel: treatment, outreach, pharmacy/peer
    Queue queue = kFifo;
  } capacity;
  struct {
    LeverWindow when;
    double total = 0, share_ost = 0, share_residential = 0, share_naloxone = 0, share_case_management = 0;
  } budget;
  double discount_rate = 0;
  int discount_base_year = 2026;

  // Limits in force at time t, in simulated people (scaled); infinity when unlimited.
  double ost_limit(double t) const;
  double residential_limit(double t) const;
  // Kits a year for a community channel (kKitTreatment, kKitOutreach, kKitPharmacyPeer),
  // or, under a budget, for all three together; 0: supply by per-person rates.
  double kits_per_year_limit(double t, int channel) const;
  bool kits_rationed(double t, int channel) const { return kits_per_year_limit(t, channel) > 0.0; }
  double outreach_contacts_per_week(double t) const;  // 0: contact by per-person rate
  double case_management_places(double t) const;

  // Every time (run time) at which a lever or a calendar series used in hazards
  // changes; hazards are re-evaluated there.
  std::vector<double> change_times;
  double next_change_after(double t) const;

  static Parameters from(const Scenario& scenario);
};

// Age at starting heroin use for the uniform u in (0, 1): a normal distribution with
// this median and sd, truncated at 12 (nobody starts younger). Truncated rather than
// held at 12, so a wide spread does not pile people up at 12; one uniform per person,
// increasing in u, so scenarios keep their common random numbers.
double age_at_starting_use(double median, double sd, double u);

inline constexpr float kNoTime = -1e9f;  // "never happened" for the times below

// The model's per-person attributes, kept together in one 24-byte column because
// every event reads most of them: one cache line per person instead of many.
struct PersonRecord {
  float birth;            // birth time, years since the run's start
  float last_exit;        // last exit from OST, dose reduction or residential care
  float last_release;     // last release from prison
  float naloxone_expiry;  // a kit held is usable until then (kNoTime: none)
  float last_overdose;    // last non-fatal overdose
  std::uint8_t prev_state;  // state before the current one
  std::uint8_t hcv;         // 0 never or cleared, 1 chronic undiagnosed, 2 chronic diagnosed, 3 cured
  std::uint16_t sex : 1;    // 0 male, 1 female
  std::uint16_t injecting : 1;
  std::uint16_t forced : 1;        // the current dose reduction is forced
  std::uint16_t liver : 1;         // advanced liver disease
  std::uint16_t copd : 1;
  std::uint16_t sedatives : 1;     // co-prescribed benzodiazepines or gabapentinoids
  std::uint16_t mental_health : 1;
  std::uint16_t case_managed : 1;
  std::uint16_t time_limited : 1;  // this OST episode is on time-limited prescribing
  std::uint16_t prison_ost : 1;    // was on OST when last released
  std::uint16_t queued_residential : 1;  // in OST, waiting for a residential place
};
static_assert(sizeof(PersonRecord) == 24);

class EnglandModel final : public Model {
 public:
  // Extensions (model/extension.hpp): one of each compiled-in type, from make_extensions.
  explicit EnglandModel(Parameters p, std::vector<std::unique_ptr<Extension>> extensions = {});

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
  void end_step(StepContext& ctx) override;
  void census(const Population& pop, PersonId i, std::uint32_t period, Tally& tally) const override;
  void finish(Tally& tally) const override;
  std::string invariant_problem(const Population& pop, std::uint32_t step) const override;
  std::uint32_t period_of_step(std::uint32_t step) const override;
  bool is_period_start(std::uint32_t step) const override;

  const Parameters& parameters() const { return p_; }
  // The information-system risk score of person i at time t (docs/model.md).
  double risk_score(const Population& pop, PersonId i, double t) const;
  // Puts (time joined, person) candidates in queue order, best first: fifo (earliest
  // joined), random (a uniform of `decision` keyed by person and step) or risk
  // (highest score, ties at random). Public so tests can check each rule.
  void rank(StepContext& ctx, std::vector<std::pair<float, PersonId>>& candidates, double t,
            Parameters::Queue rule, Decision decision) const;
  // Whether a (time joined, person) entry of a waiting list is still waiting: the list
  // keeps entries of people who left until it is tidied, so an entry must not come
  // back to life when its person joins the list again later (public for tests).
  bool on_list(const Population& pop, Service service, const std::pair<float, PersonId>& entry) const;
  Column<PersonRecord> person_column() const { return person_; }
  // Cells of one period of an output table (tables are indexed [period][rest...]).
  std::size_t cells_per_period(std::size_t table) const { return outputs_[table].spec.size() / periods_; }

  // Output table indices, in the order of outputs().
  enum Table : std::size_t {
    kDeaths, kOverdoses, kEvents, kPeople, kPersonYears, kEntrants, kConditions, kNaloxone, kCosts,
    kLifeYearsLost, kDeathsSinceRelease, kServices, kCaseManagement, kCostsDiscounted
  };
  static constexpr int kAgeBands = 11;  // <20, 20-24, ..., 60-64, 65+
  static constexpr int kWeeksAfterRelease = 12;
  static constexpr std::uint32_t kCaseManagementEvery = 13;  // steps between allocations

 private:
  friend class Extension;  // its helpers use the period and cost bookkeeping below
  std::uint32_t period_of_time(double t) const;
  double period_end(std::uint32_t period) const;
  Pathway pathway(const Population& pop, PersonId i, double t) const;
  // The active extensions' changes to person i's hazards (out of the hot path's way);
  // returns the time until which they hold.
  [[gnu::noinline]] double extension_hazards(const Population& pop, PersonId i, double t, Hazards& h, double until,
                                             double overdose, double fatality) const;
  [[gnu::noinline]] void extension_census(const Population& pop, PersonId i, std::uint32_t period, Tally& tally) const;
  void move(PersonContext& ctx, PersonId i, State to, double t) const;
  void start_ost(PersonContext& ctx, PersonId i, double t) const;
  void add_cost(Tally& tally, double t, CostItem item, double pounds) const;
  void add_person(Population& pop, PersonId i, double entry_time, double age, const Uniforms4& u) const;
  // Whether a candidate born at run time `birth` is kept, given a uniform: always for
  // England; with probability cohort weight / largest weight for a local area.
  bool keep_candidate(double birth, double u) const;
  // Referral to OST: straight in, or onto the waiting list when places are limited.
  void refer_to_ost(PersonContext& ctx, PersonId i, double t) const;
  void allocate_places(StepContext& ctx, Service service, double t);
  void allocate_case_management(StepContext& ctx, double t);
  void allocate_kits(StepContext& ctx, double t);
  void allocate_outreach(StepContext& ctx, double t);

  Parameters p_;
  PersonId initial_candidates_ = 0;  // entrants' candidate numbers start after these
  std::uint32_t periods_;
  std::vector<StateSpec> states_;
  std::vector<EventSpec> events_;
  std::vector<OutputTable> outputs_;
  Column<PersonRecord> person_;
  // Shared capacity. Occupancy changes are counted per thread as people move (no
  // shared cache line on the hot path) and folded into the totals in the sequential
  // phase; integer sums do not depend on order. People joining a waiting list in the
  // parallel phase are collected and put in queue order in the sequential phase.
  // Per service: people in it, then people waiting for it.
  // Looked up on every move: with a native thread-local key per instance a lookup is
  // one pthread_getspecific, not a hash of the thread id and a table probe (which cost
  // 2.8% of a capped run's instructions; cachegrind, docs/performance.md).
  template <class T>
  using PerThread = tbb::enumerable_thread_specific<T, tbb::cache_aligned_allocator<T>, tbb::ets_key_per_instance>;
  using Occupancy = std::array<std::int64_t, 2 * kServiceCount>;
  mutable PerThread<Occupancy> occupancy_change_{Occupancy{}};
  mutable Occupancy occupied_{};
  // People in a service now (`waiting`: on its list), sequential phases only.
  std::int64_t occupied(Service s, bool waiting = false) const;
  void count_waiting(Service s, int change) const { occupancy_change_.local()[kServiceCount + s] += change; }
  using Arrivals = std::array<std::vector<std::pair<float, PersonId>>, kServiceCount>;
  mutable PerThread<Arrivals> joined_;  // per thread: no shared vector to contend for
  std::vector<std::pair<float, PersonId>> queue_[kServiceCount];  // (time joined, person), oldest first
  std::size_t admitted_last_[kServiceCount] = {};  // from each list in the last step (for the list-length check)
  // Every extension (each owns its tables and cost items), the active ones (their hooks
  // are called), and per extension event (id kEventCount + k) its owner and own number.
  std::vector<std::unique_ptr<Extension>> extensions_;
  std::vector<Extension*> active_;
  bool extended_ = false;  // any active: one test on the hot path, the hooks out of line
  std::vector<std::pair<const Extension*, int>> extension_events_;
  int cost_items_ = kCostItemCount;  // England's, then the extensions'
  bool case_managed_ = false;  // anyone holds a case-management place
  std::uint64_t over_capacity_admissions_ = 0;  // admissions that left more people than places
};

std::unique_ptr<Model> make_model(const Scenario& scenario);
Clock clock_from(const Scenario& scenario);

}  // namespace averted::england
