#include "model/england_model.hpp"

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace averted::england {
namespace {

constexpr double kWeek = 1.0 / 52.0;  // a model week: 1/52 of a year

// Random decisions of this model (the kernel uses id 1). Never renumber.
constexpr Decision kInitialPerson{10};
constexpr Decision kEntrantCount{11};
constexpr Decision kEntrantPerson{12};
constexpr Decision kReleaseLinkage{13};

int age_band(int age) {
  if (age < 20) return 0;
  if (age >= 65) return 10;
  return (age - 20) / 5 + 1;
}

std::vector<std::string> names(auto const& arr) {
  return std::vector<std::string>(arr.begin(), arr.end());
}

}  // namespace

Parameters Parameters::from(const Scenario& s) {
  Parameters p;
  p.clock = clock_from(s);
  p.scale = s.real("run.population_scale");
  p.weekly = s.boolean("output.weekly");
  p.initial_size = s.real("population.initial_size");
  p.new_injectors = s.series("population.new_injectors");
  p.initiation_age = s.series("population.initiation_age");
  p.initiates_per_injector = s.real("population.initiates_per_injector");
  p.initiation_age_sd = s.real("population.initiation_age_sd");
  p.share_male = s.real("population.share_male");
  p.share_injecting = s.real("population.share_injecting");
  p.cessation = s.real("population.cessation_rate");
  p.emigration = s.real("population.emigration_rate");

  p.fatality = s.real("overdose.fatality");
  const double cohort_mean = s.real("overdose.cohort_mean_multiplier");
  const double suicide_share = s.real("mortality.suicide_share_of_external");
  const auto& drd = s.series("mortality.drug_poisoning");
  const auto& liver = s.series("mortality.liver");
  const auto& copd = s.series("mortality.copd");
  const auto& external = s.series("mortality.external");
  const auto& all = s.series("mortality.all_cause");
  for (int a = 0; a <= kMaxAge; ++a) {
    const double x = a + 0.5;  // rate at the middle of the year of age
    const double per = 1e-5;   // per 100,000 person-years -> per person-year
    const double d = drd.at(x) * per, l = liver.at(x) * per, c = copd.at(x) * per,
                 su = external.at(x) * suicide_share * per;
    // Overdoses (fatal and not) of the reference group, so that deaths = rate x fatality.
    p.overdose[a] = (cohort_mean > 0 && p.fatality > 0) ? d / cohort_mean / p.fatality : 0.0;
    p.liver[a] = l;
    p.copd[a] = c;
    p.suicide[a] = su;
    p.other[a] = std::max(0.0, all.at(x) * per - d - l - c - su);
  }
  p.rr_ost = s.real("overdose.rr_in_ost");
  p.rr_ost_induction = s.real("overdose.rr_ost_first_4_weeks");
  p.rr_after_exit = s.real("overdose.rr_after_treatment_exit_4_weeks");
  p.rr_reduction = s.real("overdose.rr_dose_reduction");
  p.rr_residential = s.real("overdose.rr_residential");
  p.rr_recovery = s.real("overdose.rr_recovery");
  p.rr_prison = s.real("overdose.rr_prison");
  // Merrall 2010 compares weeks 1-2 with all of weeks 3-12; relative to weeks 5-12
  // (the reference) weeks 3-12 average (2 x rr34 + 8) / 10.
  p.rr_release_w34 = s.real("overdose.rr_release_weeks_3_4_vs_5_12");
  p.rr_release_w12 = s.real("overdose.rr_release_weeks_1_2_vs_3_12") * (2.0 * p.rr_release_w34 + 8.0) / 10.0;
  p.rr_relapse = s.real("overdose.rr_relapse_4_weeks");
  p.rr_injecting = s.real("overdose.rr_injecting");

  p.outreach = s.real("pathway.outreach_contact_rate");
  p.lose_contact = s.real("pathway.lose_contact_rate");
  p.self_referral = s.real("pathway.self_referral_rate");
  p.referral = s.real("pathway.referral_rate_from_outreach");
  p.ost_dropout = s.real("pathway.ost_dropout_rate");
  p.voluntary_reduction = s.real("pathway.voluntary_reduction_rate");
  p.forced_reduction = s.real("pathway.forced_reduction_rate");
  p.reduction_complete = s.real("pathway.reduction_completion_rate");
  p.reduction_failed = s.real("pathway.reduction_failure_rate");
  p.forced_failure_rr = s.real("pathway.forced_reduction_failure_rr");
  p.residential_entry = s.real("pathway.residential_entry_rate");
  p.residential_complete = s.real("pathway.residential_completion_rate");
  p.residential_dropout = s.real("pathway.residential_dropout_rate");
  p.relapse = s.real("pathway.relapse_rate");
  p.recovery_cessation = s.real("pathway.recovery_cessation_rate");
  p.imprisonment = s.real("prison.imprisonment_rate");
  p.imprisonment_rr_treated = s.real("prison.rr_imprisonment_in_treatment");
  p.release = s.real("prison.release_rate");
  p.continuity_of_care = s.series("prison.continuity_of_care");
  return p;
}

Clock clock_from(const Scenario& s) {
  Clock c;
  c.start_year = static_cast<int>(s.integer("run.start_year"));
  c.end_year = static_cast<int>(s.integer("run.end_year"));
  c.steps_per_year = static_cast<int>(s.integer("run.steps_per_year"));
  return c;
}

std::unique_ptr<Model> make_model(const Scenario& scenario) {
  return std::make_unique<EnglandModel>(Parameters::from(scenario));
}

EnglandModel::EnglandModel(Parameters p) : p_(std::move(p)) {
  const int years = p_.clock.end_year - p_.clock.start_year;
  if (years <= 0) throw std::invalid_argument("run.end_year must be after run.start_year");
  periods_ = static_cast<std::uint32_t>(p_.weekly ? years * p_.clock.steps_per_year : years);

  for (int s = 0; s < kStateCount; ++s) {
    states_.push_back({std::string(kStateNames[s]), "", s == kDead || s == kCeased || s == kEmigrated});
  }
  for (auto n : kEventNames) events_.push_back({std::string(n), ""});

  Dimension period{p_.weekly ? "week" : "year", {}};
  for (std::uint32_t k = 0; k < periods_; ++k) {
    period.labels.push_back(p_.weekly ? std::to_string(p_.clock.start_year + k / p_.clock.steps_per_year) + "-w" +
                                            std::to_string(k % p_.clock.steps_per_year + 1)
                                      : std::to_string(p_.clock.start_year + k));
  }
  Dimension cause{"cause", names(kCauseNames)};
  Dimension age{"age_band", {"under_20", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
                             "50-54", "55-59", "60-64", "65_and_over"}};
  Dimension sex{"sex", {"male", "female"}};
  Dimension pathway{"pathway", names(kPathwayNames)};
  Dimension state{"state", names(kStateNames)};
  Dimension event{"event", names(kEventNames)};
  Dimension outcome{"outcome", {"fatal", "nonfatal"}};
  const char* at = p_.weekly ? "week" : "year";
  outputs_ = {
      {{"deaths", "deaths",
        std::string("Deaths in each ") + at + " by cause, age band, sex and pathway state or risk window at death.",
        CellType::Int64, {period, cause, age, sex, pathway}}},
      {{"overdoses", "overdoses", "Overdoses, fatal and non-fatal.", CellType::Int64,
        {period, outcome, age, sex}}},
      {{"events", "events", "Every event by type (treatment entries, exits by type, imprisonment, ...).",
        CellType::Int64, {period, event}}},
      {{"people", "people", std::string("People in each state at the start of each ") + at + ".",
        CellType::Int64, {period, state, age, sex}}},
      {{"person_years", "person-years", "Person-time spent in each state.", CellType::Float64,
        {period, state}},
       1e6},
      {{"entrants", "people", "People starting heroin use (new entrants to the population).",
        CellType::Int64, {period}}},
  };
}

void EnglandModel::declare_decisions(DecisionRegistry& r) const {
  r.add({kInitialPerson, "england.initial_person", "age, sex and injecting of the starting population"});
  r.add({kEntrantCount, "england.entrant_count", "number of new initiates in a step (Poisson)"});
  r.add({kEntrantPerson, "england.entrant_person", "entry time, age, sex, injecting of an initiate"});
  r.add({kReleaseLinkage, "england.release_linkage", "whether a released person starts community OST"});
}

std::vector<std::string> EnglandModel::step_plan() const {
  return {
      "entrants: new initiates join, not in contact (sequential; Poisson count per step)",
      "events: each person's events in time order from competing hazards (parallel over people)",
  };
}

void EnglandModel::add_columns(Population& pop) {
  person_ = pop.add_column<PersonRecord>("england.person", PersonRecord{0.0f, kNoTime, kNoTime, 0, 0, kNotInContact, 0});
}

void EnglandModel::add_person(Population& pop, PersonId i, double entry_time, double age,
                              const Uniforms4& u) const {
  pop.data(person_)[i].birth = static_cast<float>(entry_time - age);
  pop.data(person_)[i].sex = u[2] < p_.share_male ? 0 : 1;
  pop.data(person_)[i].injecting = u[3] < p_.share_injecting ? 1 : 0;
}

void EnglandModel::initialise(StepContext& ctx) {
  const auto n = static_cast<PersonId>(std::llround(p_.initial_size * p_.scale));
  ctx.pop.reserve(n * 3);
  ctx.pop.append(n, kNotInContact, 0.0f);
  const boost::math::normal z;
  const double median_age = p_.initiation_age.at(p_.clock.start_year);
  for (PersonId i = 0; i < n; ++i) {
    const Uniforms4 u = ctx.random.uniforms(kInitialPerson, i, 0);
    // Age = age at starting use + years used so far (uniform over 0-11 years, the
    // span of earlier initiates assumed still using).
    const double start_age = std::max(12.0, median_age + p_.initiation_age_sd * boost::math::quantile(z, u[0]));
    add_person(ctx.pop, i, 0.0, start_age + 11.0 * u[1], u);
  }
}

void EnglandModel::begin_step(StepContext& ctx) {
  const double t0 = ctx.clock.time_of_step(ctx.step);
  const double dt = ctx.clock.step_length();
  const double year = ctx.clock.calendar_year(t0 + dt / 2);
  const double mean = p_.new_injectors.at(year) * p_.initiates_per_injector * p_.scale * dt;
  const auto n = poisson_inverse(ctx.random.uniforms(kEntrantCount, 0, ctx.step)[0], mean);
  if (n == 0) return;
  const PersonId first = ctx.pop.append(n, kNotInContact, static_cast<float>(t0));
  const boost::math::normal z;
  const double median_age = p_.initiation_age.at(year);
  auto& py = ctx.tally;
  for (PersonId i = first; i < first + n; ++i) {
    const Uniforms4 u = ctx.random.uniforms(kEntrantPerson, i, ctx.step);
    const double t = t0 + u[0] * dt;  // entry time within the step
    const double age = std::max(12.0, median_age + p_.initiation_age_sd * boost::math::quantile(z, u[1]));
    add_person(ctx.pop, i, t, age, u);
    ctx.pop.next_time[i] = static_cast<float>(t);
    ctx.pop.state_since[i] = static_cast<float>(t);
    const std::uint32_t period = period_of_time(t);
    py.add(kEntrants, period);
    py.add_amount(kPersonYears, period * kStateCount + kNotInContact, period_end(period) - t,
                  outputs_[kPersonYears].fixed_point_scale);
  }
}

std::uint32_t EnglandModel::period_of_time(double t) const {
  const double per = p_.weekly ? t * p_.clock.steps_per_year : t;
  const auto k = static_cast<std::int64_t>(std::floor(per));
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(k, 0, periods_ - 1));
}

double EnglandModel::period_end(std::uint32_t period) const {
  return p_.weekly ? static_cast<double>(period + 1) / p_.clock.steps_per_year : period + 1.0;
}

std::uint32_t EnglandModel::period_of_step(std::uint32_t step) const {
  return p_.weekly ? step : step / p_.clock.steps_per_year;
}

bool EnglandModel::is_period_start(std::uint32_t step) const {
  return p_.weekly || step % p_.clock.steps_per_year == 0;
}

void EnglandModel::hazards(const Population& pop, PersonId i, double t, Hazards& h) const {
  const auto s = static_cast<State>(pop.state[i]);
  const double birth = pop.data(person_)[i].birth;
  const int age = std::clamp(static_cast<int>(std::floor(t - birth)), 0, Parameters::kMaxAge);
  double until = birth + age + 1.0;  // next birthday: age-specific rates change
  auto window = [&](double start, double length) {
    const double end = start + length;
    if (t >= start && t < end) {
      until = std::min(until, end);
      return true;
    }
    return false;
  };

  auto& r = h.rate;
  std::fill_n(r.begin(), kEventCount, 0.0);  // only this model's events are read
  // Overdose: reference rate by age, times the state's or risk window's multiplier.
  double od = p_.overdose[age] * (pop.data(person_)[i].injecting ? p_.rr_injecting : 1.0);
  const double since = pop.state_since[i];
  const bool community = s != kPrison;
  switch (s) {
    case kNotInContact:
    case kHarmReduction:
    case kWaiting:
      if (window(pop.data(person_)[i].last_exit, 4 * kWeek)) {
        od *= p_.rr_ost * p_.rr_after_exit;
      } else if (s == kNotInContact && pop.data(person_)[i].prev_state == kRecovery && window(since, 4 * kWeek)) {
        od *= p_.rr_ost * p_.rr_relapse;
      }
      r[kImprisoned] = p_.imprisonment;
      r[kCessation] = p_.cessation;
      if (s == kNotInContact) {
        r[kOutreachContact] = p_.outreach;
        r[kStartOst] = p_.self_referral;
      } else {
        r[kLoseContact] = p_.lose_contact;
        r[kStartOst] = p_.referral;
      }
      break;
    case kOst:
      od *= p_.rr_ost * (window(since, 4 * kWeek) ? p_.rr_ost_induction : 1.0);
      r[kOstDropout] = p_.ost_dropout;
      r[kStartReduction] = p_.voluntary_reduction;
      r[kForcedReduction] = p_.forced_reduction;
      r[kStartResidential] = p_.residential_entry;
      r[kImprisoned] = p_.imprisonment * p_.imprisonment_rr_treated;
      break;
    case kDoseReduction:
      od *= p_.rr_ost * p_.rr_reduction;
      r[kReductionComplete] = p_.reduction_complete;
      r[kReductionFailed] = p_.reduction_failed * (pop.data(person_)[i].forced ? p_.forced_failure_rr : 1.0);
      r[kImprisoned] = p_.imprisonment * p_.imprisonment_rr_treated;
      break;
    case kResidential:
      od *= p_.rr_residential;
      r[kResidentialComplete] = p_.residential_complete;
      r[kResidentialDropout] = p_.residential_dropout;
      break;
    case kRecovery:
      od *= p_.rr_recovery;
      r[kRelapse] = p_.relapse;
      r[kCessation] = p_.recovery_cessation;
      break;
    case kPrison:
      od *= p_.rr_prison;
      r[kReleased] = p_.release;
      break;
    default:
      break;
  }
  if (community) {
    const double released = pop.data(person_)[i].last_release;
    if (window(released, 2 * kWeek)) {
      od *= p_.rr_release_w12;
    } else if (window(released + 2 * kWeek, 2 * kWeek)) {
      od *= p_.rr_release_w34;
    }
    r[kEmigration] = p_.emigration;
  }
  r[kFatalOverdose] = od * p_.fatality;
  r[kNonFatalOverdose] = od * (1.0 - p_.fatality);
  r[kDeathLiver] = p_.liver[age];
  r[kDeathCopd] = p_.copd[age];
  r[kDeathSuicide] = p_.suicide[age];
  r[kDeathOther] = p_.other[age];
  h.until = until;
}

Pathway EnglandModel::pathway(const Population& pop, PersonId i, double t) const {
  const auto s = static_cast<State>(pop.state[i]);
  if (s != kPrison) {
    const double released = pop.data(person_)[i].last_release;
    if (t >= released && t < released + 2 * kWeek) return kPwReleasedWeeks1to2;
    if (t >= released && t < released + 4 * kWeek) return kPwReleasedWeeks3to4;
  }
  const double since = t - pop.state_since[i];
  switch (s) {
    case kNotInContact:
    case kHarmReduction:
    case kWaiting: {
      const double exit = pop.data(person_)[i].last_exit;
      if (t >= exit && t < exit + 4 * kWeek) return kPwLeftTreatment4Weeks;
      if (s == kNotInContact && pop.data(person_)[i].prev_state == kRecovery && since < 4 * kWeek) {
        return kPwRelapsed4Weeks;
      }
      return s == kNotInContact ? kPwNotInContact : s == kHarmReduction ? kPwHarmReduction : kPwWaiting;
    }
    case kOst: return since < 4 * kWeek ? kPwOstFirst4Weeks : kPwOst;
    case kDoseReduction: return kPwDoseReduction;
    case kResidential: return kPwResidential;
    case kRecovery: return kPwRecovery;
    default: return kPwPrison;
  }
}

void EnglandModel::move(PersonContext& ctx, PersonId i, State to, double t) const {
  auto& pop = ctx.pop;
  const State from = static_cast<State>(pop.state[i]);
  const std::uint32_t period = period_of_time(t);
  const double rest = period_end(period) - t;  // person-time moves from `from` to `to`
  const double scale = outputs_[kPersonYears].fixed_point_scale;
  ctx.tally.add_amount(kPersonYears, period * kStateCount + from, -rest, scale);
  if (!states_[to].absorbing) ctx.tally.add_amount(kPersonYears, period * kStateCount + to, rest, scale);
  pop.data(person_)[i].prev_state = from;
  pop.state[i] = to;
  pop.state_since[i] = static_cast<float>(t);
}

void EnglandModel::apply(PersonContext& ctx, PersonId i, EventId e, double t) const {
  auto& pop = ctx.pop;
  const std::uint32_t period = period_of_time(t);
  ctx.tally.add(kEvents, period * kEventCount + e);
  const int age = std::clamp(static_cast<int>(std::floor(t - pop.data(person_)[i].birth)), 0, 200);
  const int band = age_band(age);
  const int sex = pop.data(person_)[i].sex;
  auto death = [&](Cause cause) {
    const std::size_t cell =
        (((static_cast<std::size_t>(period) * kCauseCount + cause) * kAgeBands + band) * 2 + sex) * kPathwayCount +
        pathway(pop, i, t);
    ctx.tally.add(kDeaths, cell);
    move(ctx, i, kDead, t);
  };
  auto overdose = [&](int fatal) {
    ctx.tally.add(kOverdoses, ((static_cast<std::size_t>(period) * 2 + fatal) * kAgeBands + band) * 2 + sex);
  };
  auto leave_treatment = [&](State to) {
    pop.data(person_)[i].last_exit = static_cast<float>(t);
    move(ctx, i, to, t);
  };
  switch (static_cast<Event>(e)) {
    case kFatalOverdose: overdose(0); death(kCauseDrug); break;
    case kNonFatalOverdose: overdose(1); break;
    case kDeathLiver: death(kCauseLiver); break;
    case kDeathCopd: death(kCauseCopd); break;
    case kDeathSuicide: death(kCauseSuicide); break;
    case kDeathOther: death(kCauseOther); break;
    case kOutreachContact: move(ctx, i, kHarmReduction, t); break;
    case kLoseContact: move(ctx, i, kNotInContact, t); break;
    case kStartOst: move(ctx, i, kOst, t); break;
    case kOstDropout: leave_treatment(kNotInContact); break;
    case kStartReduction: pop.data(person_)[i].forced = 0; move(ctx, i, kDoseReduction, t); break;
    case kForcedReduction: pop.data(person_)[i].forced = 1; move(ctx, i, kDoseReduction, t); break;
    case kReductionComplete: leave_treatment(kRecovery); break;
    case kReductionFailed: leave_treatment(kNotInContact); break;
    case kStartResidential: move(ctx, i, kResidential, t); break;
    case kResidentialComplete: leave_treatment(kRecovery); break;
    case kResidentialDropout: leave_treatment(kNotInContact); break;
    case kRelapse: move(ctx, i, kNotInContact, t); break;
    case kImprisoned: move(ctx, i, kPrison, t); break;
    case kReleased: {
      pop.data(person_)[i].last_release = static_cast<float>(t);
      const double linked = p_.continuity_of_care.at(p_.clock.calendar_year(t));
      move(ctx, i, ctx.draw(kReleaseLinkage, i)[0] < linked ? kOst : kNotInContact, t);
      break;
    }
    case kCessation: move(ctx, i, kCeased, t); break;
    case kEmigration: move(ctx, i, kEmigrated, t); break;
    default: throw std::logic_error("unknown event " + std::to_string(e));
  }
}

void EnglandModel::census(const Population& pop, PersonId i, std::uint32_t period, Tally& tally) const {
  const StateId s = pop.state[i];
  if (states_[s].absorbing) return;
  const double t = p_.weekly ? static_cast<double>(period) / p_.clock.steps_per_year : period;
  const int age = std::clamp(static_cast<int>(std::floor(t - pop.data(person_)[i].birth)), 0, 200);
  tally.add(kPeople, ((static_cast<std::size_t>(period) * kStateCount + s) * kAgeBands + age_band(age)) * 2 +
                         pop.data(person_)[i].sex);
  tally.add_amount(kPersonYears, period * kStateCount + s, period_end(period) - t,
                   outputs_[kPersonYears].fixed_point_scale);
}

}  // namespace averted::england
