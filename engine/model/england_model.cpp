#include "model/england_model.hpp"

#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <numeric>
#include <string>

#include "model/joining_order.hpp"

namespace averted::england {
namespace {

constexpr double kWeek = 1.0 / 52.0;  // a model week: 1/52 of a year

// Random decisions of this model (the kernel uses id 1). Never renumber.
constexpr Decision kInitialPerson{10};
constexpr Decision kEntrantCount{11};
constexpr Decision kEntrantPerson{12};
constexpr Decision kReleaseLinkage{13};
constexpr Decision kEntrantHealth{14};
constexpr Decision kOstStart{15};
constexpr Decision kKitAtOverdose{16};
constexpr Decision kCaseManagementDraw{17};
constexpr Decision kQueueDraw{18};
constexpr Decision kKitAllocationDraw{19};
constexpr Decision kResidentialQueueDraw{20};
constexpr Decision kOutreachDraw{21};

bool in_ost(StateId s) { return s == kOst || s == kDoseReduction; }

// The community channel that supplies naloxone kits to people in state s, or -1 if
// none does (prison, recovery, ceased, dead). One place, so the per-person rates,
// the kits given and rationing by channel always agree.
int kit_channel(StateId s) {
  if (in_ost(s) || s == kResidential) return kKitTreatment;
  if (s == kHarmReduction) return kKitOutreach;
  if (s == kNotInContact || s == kWaiting) return kKitPharmacyPeer;
  return -1;
}

// Age in whole years at time t (0 to the oldest tabulated age).
int age_at(const PersonRecord& me, double t) {
  return std::clamp(static_cast<int>(std::floor(t - me.birth)), 0, Parameters::kMaxAge);
}

int age_band(int age) {
  if (age < 20) return 0;
  if (age >= 65) return 10;
  return (age - 20) / 5 + 1;
}

}  // namespace

double age_at_starting_use(double median, double sd, double u) {
  constexpr double kYoungest = 12.0;
  if (!(sd > 0)) return std::max(kYoungest, median);
  const boost::math::normal z;
  // Work in the upper tail, 1 - p, so a median far below 12 stays accurate.
  const double above = boost::math::cdf(boost::math::complement(z, (kYoungest - median) / sd));
  if (!(above > 1e-300)) return kYoungest;  // the whole normal lies below 12
  return std::max(kYoungest, median + sd * boost::math::quantile(boost::math::complement(z, (1 - u) * above)));
}

namespace {

std::vector<std::string> names(auto const& arr) {
  return std::vector<std::string>(arr.begin(), arr.end());
}

}  // namespace

double LeverWindow::share_of(double a, double b) const {
  const double lo = std::max(a, start), hi = std::min(b, end);
  return hi > lo && b > a ? (hi - lo) / (b - a) : 0.0;
}

double Parameters::next_change_after(double t) const {
  const auto it = std::upper_bound(change_times.begin(), change_times.end(), t);
  return it == change_times.end() ? std::numeric_limits<double>::infinity() : *it;
}

Parameters Parameters::from(const Scenario& s) {
  Parameters p;
  p.clock = clock_from(s);
  p.scale = s.real("run.population_scale");
  p.weekly = s.boolean("output.weekly");
  p.initial_size = s.real("population.initial_size");
  p.new_injectors = s.series("population.new_injectors");
  p.initiation_age = s.series("population.initiation_age");
  const double shift = s.real("population.initiation_age_shift");
  for (double& age : p.initiation_age.values) age += shift;
  p.initiates_per_injector = s.real("population.initiates_per_injector");
  p.initiation_age_sd = s.real("population.initiation_age_sd");
  p.share_male = s.real("population.share_male");
  p.share_injecting = s.real("population.share_injecting");
  p.cessation = s.real("population.cessation_rate");
  p.emigration = s.real("population.emigration_rate");

  // Comorbidities (read first: they set how the cohort curves are split).
  p.hcv_infection = s.real("health.hcv_infection_rate");
  p.hcv_at_entry = s.real("health.hcv_chronic_at_entry");
  p.hcv_test_treated = s.real("health.hcv_test_rate_in_treatment");
  p.hcv_test_outside = s.real("health.hcv_test_rate_outside");
  p.hcv_treatment = s.series("health.hcv_treatment_rate");
  p.liver_onset_hcv = s.real("health.liver_disease_rate_hcv");
  p.liver_onset_other = s.real("health.liver_disease_rate_other");
  p.liver_rr_disease = s.real("health.liver_death_rr_disease");
  p.liver_rr_hcv = s.real("health.liver_death_rr_hcv");
  p.copd_death_rr = s.real("health.copd_death_rr");
  p.copd_fatality_rr = s.real("health.copd_overdose_fatality_rr");
  p.mental_health_share = s.real("health.mental_health_share");
  p.suicide_rr_mh = s.real("health.suicide_rr_mental_health");
  p.sedatives_start = s.real("health.sedatives_start_rate");
  p.sedatives_stop = s.real("health.sedatives_stop_rate");

  p.fatality = s.real("overdose.fatality");
  p.fatality_naloxone = s.real("overdose.fatality_with_naloxone");
  p.kit_used = s.real("naloxone.used_at_overdose");
  p.kit_shelf_life = s.real("naloxone.shelf_life");
  const double cohort_mean = s.real("overdose.cohort_mean_multiplier");
  const double age_gradient = s.real("overdose.age_gradient");
  const double suicide_share = s.real("mortality.suicide_share_of_external");
  const auto& drd = s.series("mortality.drug_poisoning");
  const auto& liver = s.series("mortality.liver");
  const auto& copd = s.series("mortality.copd");
  const auto& external = s.series("mortality.external");
  const auto& all = s.series("mortality.all_cause");
  const auto& copd_onset = s.series("health.copd_onset_rate");
  const Series* expectancy[2] = {&s.series("outputs.life_expectancy_male"), &s.series("outputs.life_expectancy_female")};
  // The Lewer 2022 curves are averages over the cohort. Person-level modifiers
  // (COPD, liver disease, HCV, mental health) are divided by their expected average
  // at each age, from the onset rates, so the cohort as a whole keeps the curve.
  double copd_cumulative = 0.0;
  const double hcv_prevalence = 0.3;  // chronic, typical of the cohort (uam_hcv_chronic_prevalence)
  for (int a = 0; a <= kMaxAge; ++a) {
    const double x = a + 0.5;  // rate at the middle of the year of age
    const double per = 1e-5;   // per 100,000 person-years -> per person-year
    const double d = drd.at(x) * per, l = liver.at(x) * per, c = copd.at(x) * per,
                 su = external.at(x) * suicide_share * per;
    // Overdoses (fatal and not) of the reference group, so that deaths = rate x fatality.
    // The age gradient scales the curve's log-ratio to age 40 ('other' deaths keep the
    // published curve: they are all causes less these four).
    const double d40 = drd.at(40.0) * per;
    // d (d/d40)^(g-1) = d40 (d/d40)^g, written so that g = 1 gives d exactly.
    const double od = d40 > 0 && d > 0 ? d * std::pow(d / d40, age_gradient - 1.0) : d;
    p.overdose[a] = (cohort_mean > 0 && p.fatality > 0) ? od / cohort_mean / p.fatality : 0.0;
    const double copd_prev = 1.0 - std::exp(-copd_cumulative);
    copd_cumulative += a >= 15 ? copd_onset.at(x) : 0.0;
    const double years_at_risk = std::max(0.0, x - 20.0);
    const double liver_prev =
        1.0 - std::exp(-(p.liver_onset_other + hcv_prevalence * p.liver_onset_hcv) * years_at_risk);
    const double liver_mean = 1.0 + (p.liver_rr_disease - 1.0) * liver_prev +
                              (p.liver_rr_hcv - 1.0) * hcv_prevalence * (1.0 - liver_prev);
    const double copd_mean = 1.0 + (p.copd_death_rr - 1.0) * copd_prev;
    const double suicide_mean = 1.0 + (p.suicide_rr_mh - 1.0) * p.mental_health_share;
    p.liver[a] = l / liver_mean;
    p.copd[a] = c / copd_mean;
    p.suicide[a] = su / suicide_mean;
    p.other[a] = std::max(0.0, all.at(x) * per - d - l - c - su);
    p.copd_onset[a] = copd_onset.at(x);
    for (int sex = 0; sex < 2; ++sex) p.life_expectancy[sex][a] = expectancy[sex]->at(a);
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
  p.rr_sedatives = s.real("overdose.rr_sedatives");
  p.rr_recent_overdose = s.real("overdose.rr_recent_overdose");
  p.rr_release_prison_ost = s.real("prison.release_rr_ost_in_prison");

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
  // A local area: its share of England's cohort, and its treatment entry and
  // imprisonment relative to England's (local_area.hpp); all 1 for England.
  p.area = LocalArea::from(s);
  p.population_fraction = p.scale * p.area.population_fraction;
  p.self_referral *= p.area.treatment_entry_rr;
  p.referral *= p.area.treatment_entry_rr;
  p.imprisonment *= p.area.imprisonment_rr;
  p.prison_ost_share = s.real("prison.ost_in_prison_share");

  p.kits_treatment = s.real("naloxone.kits_per_ost_client_year");
  p.kits_outreach = s.real("naloxone.kits_per_outreach_contact_year");
  p.kits_pharmacy_peer = s.real("naloxone.kits_per_person_year_pharmacy_peer");
  p.kit_on_release = s.real("naloxone.kit_on_release");

  p.cost_ost = s.real("costs.ost_per_person_year");
  p.cost_residential = s.real("costs.residential_per_person_year");
  p.cost_kit = s.real("costs.naloxone_kit");
  p.cost_outreach = s.real("costs.outreach_per_person_year");
  p.cost_hcv_test = s.real("costs.hcv_test");
  p.cost_hcv_treatment = s.real("costs.hcv_treatment");
  p.cost_linkage = s.real("costs.release_linkage");

  const double origin = p.clock.start_year;
  auto when = [&](const std::string& lever) {
    LeverWindow w{s.real("levers." + lever + ".start") - origin, s.real("levers." + lever + ".end") - origin};
    p.change_times.push_back(w.start);
    p.change_times.push_back(w.end);
    return w;
  };
  p.ost_access.when = when("ost_access");
  p.ost_access.referral_rr = s.real("levers.ost_access.referral_rr");
  p.ost_access.induction_rr = s.real("levers.ost_access.induction_overdose_rr");
  p.ost_access.cost_per_induction = s.real("levers.ost_access.cost_per_induction");
  p.retention.when = when("retention");
  p.retention.time_limited_share = s.real("levers.retention.time_limited_share");
  p.retention.time_limit = s.real("levers.retention.time_limit_years");
  p.retention.dropout_rr = s.real("levers.retention.dropout_rr");
  p.retention.cost_per_client_year = s.real("levers.retention.cost_per_client_year");
  p.naloxone.when = when("naloxone");
  p.naloxone.supply_rr = s.real("levers.naloxone.supply_rr");
  p.naloxone.kit_on_release = s.real("levers.naloxone.kit_on_release");
  p.prison.when = when("prison");
  p.prison.continuity = s.real("levers.prison.continuity_of_care");
  p.prison.ost_in_prison = s.real("levers.prison.ost_in_prison_share");
  p.outreach_lever.when = when("outreach");
  p.outreach_lever.contact_rr = s.real("levers.outreach.contact_rr");
  p.outreach_lever.conversion_rr = s.real("levers.outreach.conversion_rr");
  p.health.when = when("health");
  p.health.hcv_testing_rr = s.real("levers.health.hcv_testing_rr");
  p.health.hcv_treatment_rr = s.real("levers.health.hcv_treatment_rr");
  p.health.copd_death_rr = s.real("levers.health.copd_death_rr");
  p.health.liver_death_rr = s.real("levers.health.liver_death_rr");
  p.health.suicide_rr = s.real("levers.health.suicide_rr");
  p.health.cost_per_person_year = s.real("levers.health.cost_per_person_year");
  p.case_management.when = when("case_management");
  p.case_management.places = s.real("levers.case_management.places");
  p.case_management.by_risk = s.text("levers.case_management.allocation") == "risk";
  p.case_management.overdose_rr = s.real("levers.case_management.overdose_rr");
  p.case_management.dropout_rr = s.real("levers.case_management.dropout_rr");
  p.case_management.cost_per_place_year = s.real("levers.case_management.cost_per_place_year");
  p.capacity.when = when("capacity");
  p.capacity.ost_places = s.real("levers.capacity.ost_places");
  p.capacity.residential_places = s.real("levers.capacity.residential_places");
  p.capacity.dropoff = s.real("levers.capacity.waiting_dropoff_rate");
  p.capacity.kits_per_year = {s.real("levers.capacity.kits_per_year_treatment"),
                              s.real("levers.capacity.kits_per_year_outreach"),
                              s.real("levers.capacity.kits_per_year_pharmacy_peer")};
  p.capacity.outreach_per_week = s.real("levers.capacity.outreach_contacts_per_week");
  const std::string& queue = s.text("levers.capacity.queue");
  p.capacity.queue = queue == "risk" ? kRisk : queue == "random" ? kRandom : kFifo;
  p.budget.when = when("budget");
  p.budget.total = s.real("levers.budget.total_per_year");
  p.budget.share_ost = s.real("levers.budget.share_ost");
  p.budget.share_residential = s.real("levers.budget.share_residential");
  p.budget.share_naloxone = s.real("levers.budget.share_naloxone");
  p.budget.share_case_management = s.real("levers.budget.share_case_management");
  p.discount_rate = s.real("costs.discount_rate");
  p.discount_base_year = static_cast<int>(s.integer("costs.discount_base_year"));
  for (std::size_t k = 0; k < p.hcv_treatment.keys.size(); ++k) p.change_times.push_back(p.hcv_treatment.keys[k] - origin);
  // The overdose period effects, constant within a calendar year: the trend, and the
  // heroin shortage's multiplier in its years. Hazards change at each new year in which
  // the product changes.
  const double trend = s.real("overdose.period_trend"), trend_start = s.real("overdose.period_trend_start"),
               trend_end = s.real("overdose.period_trend_end");
  const double shortage = s.real("overdose.supply_shortage"), shortage_start = s.real("overdose.supply_shortage_start"),
               shortage_end = s.real("overdose.supply_shortage_end");
  for (int y = p.clock.start_year; y < p.clock.end_year; ++y) {
    const double years_after = std::max(0.0, std::floor(std::min<double>(y, trend_end) - trend_start));
    const bool in_shortage = y >= shortage_start && y <= shortage_end;
    p.overdose_period.push_back(std::pow(trend, years_after) * (in_shortage ? shortage : 1.0));
    if (y > p.clock.start_year && p.overdose_period.back() != p.overdose_period[p.overdose_period.size() - 2]) {
      p.change_times.push_back(y - origin);
    }
  }
  std::sort(p.change_times.begin(), p.change_times.end());
  return p;
}

namespace {
// levers.capacity's place counts default to 1e9, which means "no limit".
double places_or_unlimited(double places, double scale) {
  return places >= 1e9 ? std::numeric_limits<double>::infinity() : places * scale;
}
}  // namespace

double Parameters::ost_limit(double t) const {
  if (budget.when.on(t)) return budget.total * budget.share_ost / cost_ost * scale;
  return capacity.when.on(t) ? places_or_unlimited(capacity.ost_places, scale) : std::numeric_limits<double>::infinity();
}

double Parameters::residential_limit(double t) const {
  if (budget.when.on(t)) return budget.total * budget.share_residential / cost_residential * scale;
  return capacity.when.on(t) ? places_or_unlimited(capacity.residential_places, scale)
                             : std::numeric_limits<double>::infinity();
}

double Parameters::kits_per_year_limit(double t, int channel) const {
  if (budget.when.on(t)) return budget.total * budget.share_naloxone / cost_kit * scale;  // all channels
  return capacity.when.on(t) ? capacity.kits_per_year[static_cast<std::size_t>(channel)] * scale : 0.0;
}

double Parameters::outreach_contacts_per_week(double t) const {
  return capacity.when.on(t) ? capacity.outreach_per_week * scale : 0.0;
}

double Parameters::case_management_places(double t) const {
  if (budget.when.on(t)) {
    return budget.total * budget.share_case_management / case_management.cost_per_place_year * scale;
  }
  return case_management.when.on(t) ? case_management.places * scale : 0.0;
}

Clock clock_from(const Scenario& s) {
  Clock c;
  c.start_year = static_cast<int>(s.integer("run.start_year"));
  c.end_year = static_cast<int>(s.integer("run.end_year"));
  c.steps_per_year = static_cast<int>(s.integer("run.steps_per_year"));
  return c;
}

std::unique_ptr<Model> make_model(const Scenario& scenario) {
  return std::make_unique<EnglandModel>(Parameters::from(scenario), make_extensions(scenario));
}

EnglandModel::EnglandModel(Parameters p, std::vector<std::unique_ptr<Extension>> extensions)
    : p_(std::move(p)), extensions_(std::move(extensions)) {
  const int years = p_.clock.end_year - p_.clock.start_year;
  if (years <= 0) throw std::invalid_argument("run.end_year must be after run.start_year");
  periods_ = static_cast<std::uint32_t>(p_.weekly ? years * p_.clock.steps_per_year : years);

  for (int s = 0; s < kStateCount; ++s) {
    // People who stop using stay in the population: they can still die of other
    // causes, and a scenario that helps people stop must not lose their deaths.
    states_.push_back({std::string(kStateNames[s]), "", s == kDead || s == kEmigrated});
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
  Dimension condition{"condition", names(kConditionNames)};
  Dimension flow{"naloxone_flow", names(kNaloxoneFlowNames)};
  Dimension item{"cost_item", names(kCostItemNames)};
  for (const auto& x : extensions_) {
    for (auto& name : x->cost_items()) item.labels.push_back(std::move(name));
  }
  cost_items_ = static_cast<int>(item.labels.size());
  Dimension week{"week_after_release", {}};
  for (int w = 1; w <= kWeeksAfterRelease; ++w) week.labels.push_back(std::to_string(w));
  const std::string at = p_.weekly ? "week" : "year";
  outputs_ = {
      {{"deaths", "deaths", "Deaths in each " + at + " by cause, age band, sex and pathway state or risk window at death.",
        CellType::Int64, {period, cause, age, sex, pathway}}},
      {{"overdoses", "overdoses", "Overdoses, fatal and non-fatal.", CellType::Int64, {period, outcome, age, sex}}},
      {{"events", "events",
        "Every event by type: treatment entries, exits by type (unplanned, completed, forced), imprisonment, HCV, ...",
        CellType::Int64, {period, event}}},
      {{"people", "people", "People in each state at the start of each " + at + ".", CellType::Int64,
        {period, state, age, sex}}},
      {{"person_years", "person-years", "Person-time spent in each state.", CellType::Float64, {period, state}}, 1e6},
      {{"entrants", "people", "People starting heroin use (new entrants to the population).", CellType::Int64,
        {period}}},
      {{"conditions", "people", "People alive with each condition at the start of each " + at + ".",
        CellType::Int64, {period, condition}}},
      {{"naloxone_kits", "kits", "Take-home naloxone kits supplied, by channel, and used at an overdose.",
        CellType::Int64, {period, flow}}},
      {{"costs", "pounds", "Costs by service or lever, undiscounted, in the prices of the unit costs.",
        CellType::Float64, {period, item}}, 100.0},
      {{"life_years_lost", "life-years",
        "Years of life lost: each death counts the remaining general-population life expectancy at its age and sex.",
        CellType::Float64, {period, cause}}, 1e3},
      {{"drug_deaths_after_release", "deaths",
        "Drug-poisoning deaths in each of the first 12 weeks after release from prison.", CellType::Int64,
        {period, week}}},
      {{"services", "see measure",
        "Shared capacity: place-years available and used, person-years on the waiting list, people admitted "
        "from it, the years they waited (mean wait = years_waited / admitted_from_list), and admissions beyond "
        "capacity (always 0).",
        CellType::Float64, {period, Dimension{"service", names(kServiceNames)},
                            Dimension{"service_measure", names(kServiceMeasureNames)}}}, 1e6},
      {{"case_management", "see measure",
        "Case-management place-years given, and the drug deaths they are expected to avert (holders' fatal "
        "overdose hazard when allocated x (1 - overdose_rr) x the quarter).",
        CellType::Float64, {period, Dimension{"case_management_measure", {"place_years", "expected_drug_deaths_averted"}}}}, 1e6},
      {{"costs_discounted", "pounds",
        "Costs by service or lever, discounted at costs.discount_rate a year to costs.discount_base_year.",
        CellType::Float64, {period, item}}, 100.0},
  };
  // Extensions: their tables after the England ones, their events after England's
  // (only while active, so an inactive one leaves every rate sum as it was).
  int cost_item = kCostItemCount;
  for (const auto& x : extensions_) {
    x->model_ = this;
    x->first_table_ = outputs_.size();
    x->first_cost_item_ = cost_item;
    cost_item += static_cast<int>(x->cost_items().size());
    for (auto& t : x->tables()) {
      t.spec.dims.insert(t.spec.dims.begin(), period);
      outputs_.push_back(std::move(t));
    }
    if (!x->active()) continue;
    active_.push_back(x.get());
    extended_ = true;
    x->first_event_ = static_cast<int>(events_.size());
    const auto own = x->events();
    for (std::size_t k = 0; k < own.size(); ++k) {
      events_.push_back(own[k]);
      extension_events_.emplace_back(x.get(), static_cast<int>(k));
    }
    for (double t : x->change_times()) p_.change_times.push_back(t);
  }
  std::sort(p_.change_times.begin(), p_.change_times.end());
}

void EnglandModel::declare_decisions(DecisionRegistry& r) const {
  r.add({kInitialPerson, "england.initial_person", "age, sex and injecting of the starting population"});
  r.add({kEntrantCount, "england.entrant_count", "number of new initiates in a step (Poisson)"});
  r.add({kEntrantPerson, "england.entrant_person", "entry time, age, sex, injecting of an initiate"});
  r.add({kReleaseLinkage, "england.release_linkage", "release: community OST, OST in prison, naloxone kit"});
  r.add({kEntrantHealth, "england.entrant_health", "HCV and mental health of an initiate or starting person; whether a local area keeps the candidate"});
  r.add({kOstStart, "england.ost_start", "whether an OST episode is on time-limited prescribing"});
  r.add({kKitAtOverdose, "england.kit_at_overdose", "whether a kit held was used at a non-fatal overdose"});
  r.add({kCaseManagementDraw, "england.case_management", "tie-break or random order for case-management places"});
  r.add({kQueueDraw, "england.ost_queue", "tie-break or random order on the OST waiting list"});
  r.add({kResidentialQueueDraw, "england.residential_queue", "tie-break or random order on the residential list"});
  r.add({kKitAllocationDraw, "england.kit_allocation", "tie-break or random order for rationed naloxone kits"});
  r.add({kOutreachDraw, "england.outreach_allocation", "tie-break or random order for rationed outreach contacts"});
  for (const auto& x : extensions_) x->declare_decisions(r);
}

std::vector<std::string> EnglandModel::step_plan() const {
  std::vector<std::string> plan = {
      "entrants: new initiates join, not in contact (sequential; Poisson count per step)",
      "events: each person's events in time order from competing hazards (parallel over people)",
      "capacity: free OST and residential places go to people on the waiting lists by the queue rule "
      "(sequential; only while places are limited)",
      "case management and rationed naloxone kits: every 13 steps, places and kits go to the highest risk "
      "scores or at random (sequential)",
  };
  for (const auto* x : active_) {
    if (auto line = x->step_plan(); !line.empty()) plan.push_back(std::move(line));
  }
  return plan;
}

void EnglandModel::add_columns(Population& pop) {
  PersonRecord initial{};  // every flag off, never infected
  initial.last_exit = initial.last_release = initial.naloxone_expiry = initial.last_overdose = kNoTime;
  initial.prev_state = kNotInContact;
  person_ = pop.add_column<PersonRecord>("england.person", initial);
  for (auto* x : active_) x->add_columns(pop);
}

void EnglandModel::add_person(Population& pop, PersonId i, double entry_time, double age, const Uniforms4& u) const {
  PersonRecord& r = pop.data(person_)[i];
  r.birth = static_cast<float>(entry_time - age);
  r.sex = u[2] < p_.share_male ? 0 : 1;
  r.injecting = u[3] < p_.share_injecting ? 1 : 0;
}

bool EnglandModel::keep_candidate(double birth, double u) const {
  const double w = p_.area.cohort_weight(p_.clock.start_year + birth);
  return w >= p_.area.max_cohort_weight || u * p_.area.max_cohort_weight < w;
}

// People are drawn as candidates at the largest cohort weight and kept by their
// birth cohort's weight (thinning), so a local area's age profile is met in
// expectation. Candidates' random numbers are keyed by candidate number, so England
// (every candidate kept) is unchanged.
void EnglandModel::initialise(StepContext& ctx) {
  const auto n = static_cast<PersonId>(
      std::llround(p_.initial_size * p_.population_fraction * p_.area.max_cohort_weight));
  initial_candidates_ = n;
  ctx.pop.reserve(n * 3);
  const double median_age = p_.initiation_age.at(p_.clock.start_year);
  for (PersonId c = 0; c < n; ++c) {
    const Uniforms4 u = ctx.random.uniforms(kInitialPerson, c, 0);
    // Age = age at starting use + years used so far (uniform over 0-11 years, the
    // span of earlier initiates assumed still using).
    const double start_age = age_at_starting_use(median_age, p_.initiation_age_sd, u[0]);
    const double age = start_age + 11.0 * u[1];
    const Uniforms4 h = ctx.random.uniforms(kEntrantHealth, c, 0);
    if (!keep_candidate(-age, h[2])) continue;
    const PersonId i = ctx.pop.append(1, kNotInContact, 0.0f);
    add_person(ctx.pop, i, 0.0, age, u);
    PersonRecord& r = ctx.pop.data(person_)[i];
    r.hcv = r.injecting && h[0] < p_.hcv_at_entry ? 1 : 0;
    r.mental_health = h[1] < p_.mental_health_share ? 1 : 0;
    for (const auto* x : active_) x->new_person(ctx, i, 0.0);
  }
}

void EnglandModel::begin_step(StepContext& ctx) {
  const double t0 = ctx.clock.time_of_step(ctx.step);
  const double dt = ctx.clock.step_length();
  const double year = ctx.clock.calendar_year(t0 + dt / 2);
  const double mean = p_.new_injectors.at(year) * p_.initiates_per_injector * p_.population_fraction *
                      p_.area.max_cohort_weight * dt;
  const auto n = poisson_inverse(ctx.random.uniforms(kEntrantCount, 0, ctx.step)[0], mean);
  if (n == 0) return;
  const double median_age = p_.initiation_age.at(year);
  // Candidate numbers never repeat within a step (nor the starting population's at step 0).
  const PersonId first = std::max(ctx.pop.size(), initial_candidates_);
  for (PersonId c = first; c < first + n; ++c) {
    const Uniforms4 u = ctx.random.uniforms(kEntrantPerson, c, ctx.step);
    const double t = t0 + u[0] * dt;  // entry time within the step
    const double age = age_at_starting_use(median_age, p_.initiation_age_sd, u[1]);
    const Uniforms4 h = ctx.random.uniforms(kEntrantHealth, c, ctx.step);
    if (!keep_candidate(t - age, h[2])) continue;
    const PersonId i = ctx.pop.append(1, kNotInContact, static_cast<float>(t0));
    add_person(ctx.pop, i, t, age, u);
    PersonRecord& r = ctx.pop.data(person_)[i];
    r.hcv = r.injecting && h[0] < p_.hcv_at_entry ? 1 : 0;
    r.mental_health = h[1] < p_.mental_health_share ? 1 : 0;
    for (const auto* x : active_) x->new_person(ctx, i, t);
    ctx.pop.next_time[i] = static_cast<float>(t);
    ctx.pop.state_since[i] = static_cast<float>(t);
    const std::uint32_t period = period_of_time(t);
    ctx.tally.add(kEntrants, period);
    ctx.tally.add_amount(kPersonYears, period * kStateCount + kNotInContact, period_end(period) - t,
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
  const PersonRecord& me = pop.data(person_)[i];
  const int age = age_at(me, t);
  // Rates hold until the next birthday, risk-window end or policy change.
  double until = std::min(static_cast<double>(me.birth) + age + 1.0, p_.next_change_after(t));
  auto window = [&](double start, double length) {
    const double end = start + length;
    if (t >= start && t < end) {
      until = std::min(until, end);
      return true;
    }
    return false;
  };
  auto after = [&](double start) {  // true once t reaches start; otherwise it is a change point
    if (t >= start) return true;
    until = std::min(until, start);
    return false;
  };
  const bool cm = me.case_managed != 0;

  auto& r = h.rate;
  // Only this model's events are read. Plain stores: for 31 rates they beat the
  // `rep stos` a memset compiles to (perf showed that instruction as the hot spot).
  for (int k = 0; k < kEventCount; k += 4) {
    r[k] = 0.0;
    r[k + 1] = 0.0;
    r[k + 2] = 0.0;
    if (k + 3 < kEventCount) r[k + 3] = 0.0;
  }
  // Overdose: reference rate by age, times the state's or risk window's multiplier.
  double od = p_.overdose[age] * (me.injecting ? p_.rr_injecting : 1.0) * (me.sedatives ? p_.rr_sedatives : 1.0) *
              p_.overdose_period[std::min<std::size_t>(static_cast<std::size_t>(t), p_.overdose_period.size() - 1)];
  if (window(me.last_overdose, 1.0)) od *= p_.rr_recent_overdose;
  if (cm) od *= p_.case_management.overdose_rr;
  const double since = pop.state_since[i];
  const bool community = s != kPrison;
  const bool outreach_on = p_.outreach_lever.when.on(t);
  const bool access_on = p_.ost_access.when.on(t);
  const double referral_rr = access_on ? p_.ost_access.referral_rr : 1.0;
  bool in_treatment = false;
  switch (s) {
    case kNotInContact:
    case kHarmReduction:
    case kWaiting:
      if (window(me.last_exit, 4 * kWeek)) {
        od *= p_.rr_ost * p_.rr_after_exit;
      } else if (s == kNotInContact && me.prev_state == kRecovery && window(since, 4 * kWeek)) {
        od *= p_.rr_ost * p_.rr_relapse;
      }
      r[kImprisoned] = p_.imprisonment;
      r[kCessation] = p_.cessation;
      if (s == kWaiting) {
        r[kLeaveWaitingList] = p_.capacity.dropoff;
      } else if (s == kNotInContact) {
        r[kOutreachContact] = p_.outreach_contacts_per_week(t) > 0.0
                                  ? 0.0  // contacts are handed out by capacity (end of step)
                                  : p_.outreach * (outreach_on ? p_.outreach_lever.contact_rr : 1.0);
        r[kStartOst] = p_.self_referral * referral_rr;
      } else {
        r[kLoseContact] = p_.lose_contact;
        r[kStartOst] = p_.referral * referral_rr * (outreach_on ? p_.outreach_lever.conversion_rr : 1.0);
      }
      break;
    case kOst: {
      in_treatment = true;
      const bool induction = window(since, 4 * kWeek);
      od *= p_.rr_ost * (induction ? p_.rr_ost_induction * (access_on ? p_.ost_access.induction_rr : 1.0) : 1.0);
      r[kOstDropout] = p_.ost_dropout * (p_.retention.when.on(t) ? p_.retention.dropout_rr : 1.0) *
                       (cm ? p_.case_management.dropout_rr : 1.0);
      r[kStartReduction] = p_.voluntary_reduction;
      r[kForcedReduction] = p_.forced_reduction;
      // Time-limited prescribing: the forced taper starts about a week after the limit.
      if (me.time_limited && after(since + p_.retention.time_limit)) r[kForcedReduction] += 52.0;
      r[kStartResidential] = me.queued_residential ? 0.0 : p_.residential_entry;
      r[kImprisoned] = p_.imprisonment * p_.imprisonment_rr_treated;
      break;
    }
    case kDoseReduction:
      in_treatment = true;
      od *= p_.rr_ost * p_.rr_reduction;
      r[kReductionComplete] = p_.reduction_complete;
      r[kReductionFailed] = p_.reduction_failed * (me.forced ? p_.forced_failure_rr : 1.0);
      r[kImprisoned] = p_.imprisonment * p_.imprisonment_rr_treated;
      break;
    case kResidential:
      in_treatment = true;
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
    case kCeased:
      od = 0.0;  // no longer using
      break;
    default:
      break;
  }
  if (community) {
    if (window(me.last_release, 2 * kWeek)) {
      od *= p_.rr_release_w12 * (me.prison_ost ? p_.rr_release_prison_ost : 1.0);
    } else if (window(me.last_release + 2 * kWeek, 2 * kWeek)) {
      od *= p_.rr_release_w34 * (me.prison_ost ? p_.rr_release_prison_ost : 1.0);
    }
    r[kEmigration] = p_.emigration;
    // Take-home naloxone for people without a usable kit, through their channel.
    const int channel = kit_channel(s);
    if (channel >= 0 && !(t < me.naloxone_expiry) && !p_.kits_rationed(t, channel)) {
      const double supply = p_.naloxone.when.on(t) ? p_.naloxone.supply_rr : 1.0;
      r[kNaloxoneKit] = supply * (channel == kKitTreatment  ? p_.kits_treatment
                                  : channel == kKitOutreach ? p_.kits_outreach
                                                            : p_.kits_pharmacy_peer);
    }
  }
  const bool kit = t < me.naloxone_expiry;
  if (kit) until = std::min(until, static_cast<double>(me.naloxone_expiry));
  double fatality = kit ? p_.kit_used * p_.fatality_naloxone + (1.0 - p_.kit_used) * p_.fatality : p_.fatality;
  if (me.copd) fatality = std::min(1.0, fatality * p_.copd_fatality_rr);
  r[kFatalOverdose] = od * fatality;
  r[kNonFatalOverdose] = od * (1.0 - fatality);

  // Other causes of death, raised by comorbidities, lowered by the health lever.
  const bool health_on = p_.health.when.on(t);
  double liver_rr = me.liver ? p_.liver_rr_disease * (health_on ? p_.health.liver_death_rr : 1.0)
                    : me.hcv == 1 || me.hcv == 2 ? p_.liver_rr_hcv : 1.0;
  r[kDeathLiver] = p_.liver[age] * liver_rr;
  r[kDeathCopd] = p_.copd[age] * (me.copd ? p_.copd_death_rr * (health_on ? p_.health.copd_death_rr : 1.0) : 1.0);
  r[kDeathSuicide] = p_.suicide[age] * (me.mental_health ? p_.suicide_rr_mh * (health_on ? p_.health.suicide_rr : 1.0) : 1.0);
  r[kDeathOther] = p_.other[age];

  // Hepatitis C: infection while injecting, diagnosis, treatment; liver disease.
  if (me.injecting && (me.hcv == 0 || me.hcv == 3) && s != kRecovery && s != kCeased && s != kPrison) {
    r[kHcvInfection] = p_.hcv_infection;
  }
  if (me.hcv == 1) {
    const double test = in_treatment || s == kPrison ? p_.hcv_test_treated
                        : s == kHarmReduction        ? 2.0 * p_.hcv_test_outside
                                                     : p_.hcv_test_outside;
    r[kHcvDiagnosis] = test * (health_on ? p_.health.hcv_testing_rr : 1.0);
  }
  if (me.hcv == 2) {
    r[kHcvCure] = p_.hcv_treatment.at(p_.clock.calendar_year(t)) * (health_on ? p_.health.hcv_treatment_rr : 1.0);
  }
  if (!me.liver) r[kLiverDisease] = p_.liver_onset_other + (me.hcv == 1 || me.hcv == 2 ? p_.liver_onset_hcv : 0.0);
  if (!me.copd && age >= 15) r[kCopdOnset] = p_.copd_onset[age];
  r[me.sedatives ? kSedativesStop : kSedativesStart] = me.sedatives ? p_.sedatives_stop : p_.sedatives_start;
  if (extended_) [[unlikely]] until = extension_hazards(pop, i, t, h, until, od, fatality);
  h.until = until;
}

double EnglandModel::extension_hazards(const Population& pop, PersonId i, double t, Hazards& h, double until,
                                      double overdose, double fatality) const {
  for (std::size_t k = kEventCount; k < events_.size(); ++k) h.rate[k] = 0.0;
  HazardEdit edit(pop, i, t, pop.data(person_)[i], h, until, overdose, fatality);
  for (const auto* x : active_) x->hazards(edit);
  return until;
}

Pathway EnglandModel::pathway(const Population& pop, PersonId i, double t) const {
  const auto s = static_cast<State>(pop.state[i]);
  const PersonRecord& me = pop.data(person_)[i];
  if (s != kPrison) {
    if (t >= me.last_release && t < me.last_release + 2 * kWeek) return kPwReleasedWeeks1to2;
    if (t >= me.last_release && t < me.last_release + 4 * kWeek) return kPwReleasedWeeks3to4;
  }
  const double since = t - pop.state_since[i];
  switch (s) {
    case kNotInContact:
    case kHarmReduction:
    case kWaiting:
      if (t >= me.last_exit && t < me.last_exit + 4 * kWeek) return kPwLeftTreatment4Weeks;
      if (s == kNotInContact && me.prev_state == kRecovery && since < 4 * kWeek) return kPwRelapsed4Weeks;
      return s == kNotInContact ? kPwNotInContact : s == kHarmReduction ? kPwHarmReduction : kPwWaiting;
    case kOst: return since < 4 * kWeek ? kPwOstFirst4Weeks : kPwOst;
    case kDoseReduction: return kPwDoseReduction;
    case kResidential: return kPwResidential;
    case kRecovery: return kPwRecovery;
    case kCeased: return kPwCeased;
    default: return kPwPrison;
  }
}

void EnglandModel::add_cost(Tally& tally, double t, CostItem item, double pounds) const {
  tally.add_amount(kCosts, period_of_time(t) * static_cast<std::size_t>(cost_items_) + item, pounds,
                   outputs_[kCosts].fixed_point_scale);
}

void EnglandModel::move(PersonContext& ctx, PersonId i, State to, double t) const {
  auto& pop = ctx.pop;
  const State from = static_cast<State>(pop.state[i]);
  const std::uint32_t period = period_of_time(t);
  const double rest = period_end(period) - t;  // person-time moves from `from` to `to`
  const double scale = outputs_[kPersonYears].fixed_point_scale;
  ctx.tally.add_amount(kPersonYears, period * kStateCount + from, -rest, scale);
  if (!states_[to].absorbing) ctx.tally.add_amount(kPersonYears, period * kStateCount + to, rest, scale);
  PersonRecord& me = pop.data(person_)[i];
  me.prev_state = from;
  if (from == kOst && me.queued_residential) {  // a residential referral lapses on leaving OST
    me.queued_residential = 0;
    count_waiting(kServiceResidential, -1);
  }
  if (from == kWaiting || to == kWaiting) count_waiting(kServiceOst, int{to == kWaiting} - int{from == kWaiting});
  pop.state[i] = to;
  pop.state_since[i] = static_cast<float>(t);
  const int delta_ost = int{in_ost(to)} - int{in_ost(from)};
  if (delta_ost != 0) occupancy_change_.local()[kServiceOst] += delta_ost;
  const int delta_res = int{to == kResidential} - int{from == kResidential};
  if (delta_res != 0) occupancy_change_.local()[kServiceResidential] += delta_res;
}

std::int64_t EnglandModel::occupied(Service s, bool waiting) const {
  for (auto& change : occupancy_change_) {
    for (std::size_t k = 0; k < change.size(); ++k) {
      occupied_[k] += change[k];
      change[k] = 0;
    }
  }
  return occupied_[(waiting ? kServiceCount : 0) + s];
}

void EnglandModel::refer_to_ost(PersonContext& ctx, PersonId i, double t) const {
  if (!std::isfinite(p_.ost_limit(t))) {
    start_ost(ctx, i, t);
    return;
  }
  move(ctx, i, kWaiting, t);
  joined_.local()[kServiceOst].push_back({static_cast<float>(t), i});
}

void EnglandModel::start_ost(PersonContext& ctx, PersonId i, double t) const {
  PersonRecord& me = ctx.pop.data(person_)[i];
  me.time_limited = p_.retention.when.on(t) && ctx.draw(kOstStart, i)[0] < p_.retention.time_limited_share;
  if (p_.ost_access.when.on(t)) add_cost(ctx.tally, t, kCostInductionSupport, p_.ost_access.cost_per_induction);
  move(ctx, i, kOst, t);
}

void EnglandModel::apply(PersonContext& ctx, PersonId i, EventId e, double t) const {
  if (e >= kEventCount) [[unlikely]] {  // an extension's own event
    const auto& [owner, own] = extension_events_[e - kEventCount];
    owner->apply(ctx, i, own, t);
    return;
  }
  auto& pop = ctx.pop;
  PersonRecord& me = pop.data(person_)[i];
  const std::uint32_t period = period_of_time(t);
  ctx.tally.add(kEvents, period * kEventCount + e);
  const int age = age_at(me, t);
  const int band = age_band(age);
  auto death = [&](Cause cause) {
    const std::size_t cell =
        (((static_cast<std::size_t>(period) * kCauseCount + cause) * kAgeBands + band) * 2 + me.sex) * kPathwayCount +
        pathway(pop, i, t);
    ctx.tally.add(kDeaths, cell);
    ctx.tally.add_amount(kLifeYearsLost, period * kCauseCount + cause, p_.life_expectancy[me.sex][age],
                         outputs_[kLifeYearsLost].fixed_point_scale);
    move(ctx, i, kDead, t);
  };
  auto overdose = [&](int fatal) {
    ctx.tally.add(kOverdoses, ((static_cast<std::size_t>(period) * 2 + fatal) * kAgeBands + band) * 2 + me.sex);
  };
  auto leave_treatment = [&](State to) {
    me.last_exit = static_cast<float>(t);
    move(ctx, i, to, t);
  };
  auto kit = [&](NaloxoneFlow channel) {
    me.naloxone_expiry = static_cast<float>(t + p_.kit_shelf_life);
    ctx.tally.add(kNaloxone, period * kNaloxoneFlowCount + channel);
    add_cost(ctx.tally, t, kCostNaloxone, p_.cost_kit);
  };
  switch (static_cast<Event>(e)) {
    case kFatalOverdose: {
      overdose(0);
      const double since_release = t - me.last_release;
      if (since_release >= 0 && since_release < kWeeksAfterRelease * kWeek && pop.state[i] != kPrison) {
        ctx.tally.add(kDeathsSinceRelease,
                      period * kWeeksAfterRelease + static_cast<std::size_t>(since_release / kWeek));
      }
      death(kCauseDrug);
      break;
    }
    case kNonFatalOverdose: {
      overdose(1);
      me.last_overdose = static_cast<float>(t);
      if (t < me.naloxone_expiry) {
        // P(kit used | overdose survived), from the mixture that set the fatality.
        const double f = std::min(1.0, p_.fatality * (me.copd ? p_.copd_fatality_rr : 1.0));
        const double fn = std::min(1.0, p_.fatality_naloxone * (me.copd ? p_.copd_fatality_rr : 1.0));
        const double used = p_.kit_used * (1 - fn) / (p_.kit_used * (1 - fn) + (1 - p_.kit_used) * (1 - f));
        if (ctx.draw(kKitAtOverdose, i)[0] < used) {
          me.naloxone_expiry = kNoTime;
          ctx.tally.add(kNaloxone, period * kNaloxoneFlowCount + kKitUsed);
        }
      }
      break;
    }
    case kDeathLiver: death(kCauseLiver); break;
    case kDeathCopd: death(kCauseCopd); break;
    case kDeathSuicide: death(kCauseSuicide); break;
    case kDeathOther: death(kCauseOther); break;
    case kOutreachContact: move(ctx, i, kHarmReduction, t); break;
    case kLoseContact: move(ctx, i, kNotInContact, t); break;
    case kStartOst: refer_to_ost(ctx, i, t); break;
    case kOstDropout: leave_treatment(kNotInContact); break;
    case kStartReduction: me.forced = 0; move(ctx, i, kDoseReduction, t); break;
    case kForcedReduction: me.forced = 1; move(ctx, i, kDoseReduction, t); break;
    case kReductionComplete: leave_treatment(kRecovery); break;
    case kReductionFailed: leave_treatment(kNotInContact); break;
    case kStartResidential:
      if (std::isfinite(p_.residential_limit(t))) {
        me.queued_residential = 1;  // stays in OST until a place is free
        count_waiting(kServiceResidential, +1);
        joined_.local()[kServiceResidential].push_back({static_cast<float>(t), i});
      } else {
        move(ctx, i, kResidential, t);
      }
      break;
    case kLeaveWaitingList: move(ctx, i, kNotInContact, t); break;
    case kResidentialComplete: leave_treatment(kRecovery); break;
    case kResidentialDropout: leave_treatment(kNotInContact); break;
    case kRelapse: move(ctx, i, kNotInContact, t); break;
    case kImprisoned: move(ctx, i, kPrison, t); break;
    case kReleased: {
      me.last_release = static_cast<float>(t);
      const bool lever = p_.prison.when.on(t);
      const double linked = lever ? p_.prison.continuity : p_.continuity_of_care.at(p_.clock.calendar_year(t));
      const double on_ost = lever ? p_.prison.ost_in_prison : p_.prison_ost_share;
      const double kit_chance = p_.naloxone.when.on(t) ? p_.naloxone.kit_on_release : p_.kit_on_release;
      const Uniforms4 u = ctx.draw(kReleaseLinkage, i);
      me.prison_ost = u[1] < on_ost;
      if (u[2] < kit_chance) kit(kKitPrisonRelease);
      if (u[0] < linked) {
        add_cost(ctx.tally, t, kCostReleaseLinkage, p_.cost_linkage);
        refer_to_ost(ctx, i, t);
      } else {
        move(ctx, i, kNotInContact, t);
      }
      break;
    }
    case kCessation: move(ctx, i, kCeased, t); break;
    case kEmigration: move(ctx, i, kEmigrated, t); break;
    case kHcvInfection: me.hcv = 1; break;
    case kHcvDiagnosis:
      me.hcv = 2;
      add_cost(ctx.tally, t, kCostHcvTests, p_.cost_hcv_test);
      break;
    case kHcvCure:
      me.hcv = 3;
      add_cost(ctx.tally, t, kCostHcvTreatment, p_.cost_hcv_treatment);
      break;
    case kLiverDisease: me.liver = 1; break;
    case kCopdOnset: me.copd = 1; break;
    case kSedativesStart: me.sedatives = 1; break;
    case kSedativesStop: me.sedatives = 0; break;
    case kNaloxoneKit: kit(static_cast<NaloxoneFlow>(kit_channel(pop.state[i]))); break;
    default: throw std::logic_error("unknown event " + std::to_string(e));
  }
  if (extended_) [[unlikely]] {
    for (const auto* x : active_) x->after_event(ctx, i, static_cast<Event>(e), t);
  }
}

double EnglandModel::risk_score(const Population& pop, PersonId i, double t) const {
  // Log rate ratios of what a service's information system knows (docs/model.md).
  const PersonRecord& me = pop.data(person_)[i];
  double score = 0.0;
  if (t >= me.last_release && t < me.last_release + 4 * kWeek) score += std::log(7.5);      // Merrall 2010
  if (t >= me.last_exit && t < me.last_exit + 4 * kWeek) score += std::log(13.39);          // Domzaridou 2022
  if (t >= me.last_overdose && t < me.last_overdose + 1.0) score += std::log(1.95);         // Caudarella 2016
  if (me.injecting) score += std::log(2.27 / 1.73);                                          // Pierce 2016
  if (me.sedatives) score += std::log(1.45);                                                 // Domzaridou 2023
  if (t - me.birth >= 45) score += std::log(529.0 / 422.1);                                  // Lewer 2022, 45 vs 30
  if (me.copd) score += std::log(1.5);                                                       // assumption
  return score;
}

void EnglandModel::rank(StepContext& ctx, std::vector<std::pair<float, PersonId>>& candidates, double t,
                        Parameters::Queue rule, Decision decision) const {
  // Best first. fifo: earliest joined (then lowest id); random: a uniform keyed by
  // person and step; risk: highest risk score, ties at random. Each key is a pure
  // function of the person, so the order never depends on how the list was built.
  std::vector<std::pair<double, PersonId>> keyed;
  keyed.reserve(candidates.size());
  for (const auto& [joined, i] : candidates) {
    const double u = ctx.random.uniforms(decision, i, ctx.step)[0];
    const double key = rule == Parameters::kFifo     ? -static_cast<double>(joined)
                       : rule == Parameters::kRandom ? u
                                                     : risk_score(ctx.pop, i, t) + 1e-6 * u;
    keyed.emplace_back(key, i);
  }
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  std::vector<std::pair<float, PersonId>> ordered;
  ordered.reserve(keyed.size());
  std::unordered_map<PersonId, float> joined_at;
  for (const auto& [joined, i] : candidates) joined_at.emplace(i, joined);
  for (const auto& [key, i] : keyed) ordered.emplace_back(joined_at.at(i), i);
  candidates.swap(ordered);
}

bool EnglandModel::on_list(const Population& pop, Service service, const std::pair<float, PersonId>& entry) const {
  // OST: waiting since the entry was made. Residential: in OST since before the entry
  // (a referral lapses on leaving OST, so an entry from an earlier OST episode is dead).
  const PersonId i = entry.second;
  return service == kServiceOst ? pop.state[i] == kWaiting && pop.state_since[i] == entry.first
                                : pop.state[i] == kOst && pop.state_since[i] <= entry.first &&
                                      pop.data(person_)[i].queued_residential;
}

// Waiting-list entries are read this many ahead of the one being decided: each
// person's columns are a cache miss of their own, and fetching them early lets the
// misses of several people overlap instead of the sequential phase waiting on each.
constexpr std::size_t kListLookAhead = 8;

void EnglandModel::allocate_places(StepContext& ctx, Service service, double t) {
  auto& pop = ctx.pop;
  PersonRecord* people = pop.data(person_);
  auto& queue = queue_[service];
  // New arrivals, in the order they joined (time, then id), go to the back.
  std::vector<std::pair<float, PersonId>> arrivals;
  for (auto& per_thread : joined_) {
    arrivals.insert(arrivals.end(), per_thread[service].begin(), per_thread[service].end());
    per_thread[service].clear();
  }
  sort_by_joining(arrivals);  // the same order whichever thread saw whom
  queue.insert(queue.end(), arrivals.begin(), arrivals.end());
  // Entries of people no longer waiting (gave up, died, imprisoned) stay in the list
  // until they reach the front or the list is tidied: before ranking, and when they
  // outnumber the people waiting. Checking the whole list every step, or every few
  // steps, would be sequential work (a cache miss per entry) that mostly finds people
  // still waiting; tidying only when over half the entries are dead costs at most
  // two checks per entry removed, and keeps the list within twice the people waiting
  // (plus those admitted in the step).
  auto still_waiting = [&](const std::pair<float, PersonId>& e) { return on_list(pop, service, e); };
  auto tidy = [&] {
    queue.erase(std::remove_if(queue.begin(), queue.end(), [&](const auto& e) { return !still_waiting(e); }),
                queue.end());
  };
  const double limit = service == kServiceOst ? p_.ost_limit(t) : p_.residential_limit(t);
  const std::uint32_t period = period_of_step(ctx.step);
  const double dt = ctx.clock.step_length();
  const double scale = outputs_[kServices].fixed_point_scale;
  auto record = [&](ServiceMeasure m, double amount) {
    ctx.tally.add_amount(kServices, (static_cast<std::size_t>(period) * kServiceCount + service) * kServiceMeasureCount + m,
                         amount, scale);
  };
  // Unlimited (a capacity lever has ended): everyone still waiting is admitted.
  const bool limited = std::isfinite(limit);
  const double free = limited ? std::floor(limit) - static_cast<double>(occupied(service))
                              : static_cast<double>(queue.size());
  const bool ranked = limited && p_.capacity.queue != Parameters::kFifo;
  if (queue.size() > 2 * static_cast<std::size_t>(occupied(service, true)) || (ranked && free >= 1.0)) tidy();
  std::size_t admitted = 0;
  if (free >= 1.0 && !queue.empty()) {
    if (ranked) rank(ctx, queue, t, p_.capacity.queue, service == kServiceOst ? kQueueDraw : kResidentialQueueDraw);
    const auto places = static_cast<std::size_t>(free);
    PersonContext pctx{pop, ctx.random, ctx.tally, ctx.step};
    std::size_t k = 0;
    for (; k < queue.size() && admitted < places; ++k) {
      if (k + kListLookAhead < queue.size()) {  // start loading a later entry's person
        const PersonId ahead = queue[k + kListLookAhead].second;
        __builtin_prefetch(&pop.state[ahead]);
        __builtin_prefetch(&pop.state_since[ahead]);
        __builtin_prefetch(&people[ahead]);
        __builtin_prefetch(&pop.next_time[ahead]);
        __builtin_prefetch(&pop.next_event[ahead]);
      }
      const auto [joined, i] = queue[k];
      if (!still_waiting(queue[k])) continue;
      record(kYearsWaited, t - joined);
      if (service == kServiceOst) {
        start_ost(pctx, i, t);
      } else {
        people[i].queued_residential = 0;
        count_waiting(kServiceResidential, -1);
        move(pctx, i, kResidential, t);
      }
      pop.reschedule(i, static_cast<float>(t));  // their hazards changed
      ++admitted;
    }
    queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(k));
    if (ranked) sort_by_joining(queue);  // back to joining order
  }
  admitted_last_[service] = admitted;
  record(kAdmittedFromList, static_cast<double>(admitted));
  if (limited) {
    if (admitted > 0 && static_cast<double>(occupied(service)) > std::floor(limit)) {
      record(kOverCapacityAdmissions, 1.0);
      ++over_capacity_admissions_;
    }
    record(kPlaceYearsAvailable, std::floor(limit) * dt);
  }
  record(kPlaceYearsUsed, static_cast<double>(occupied(service)) * dt);
  record(kWaitingPersonYears, static_cast<double>(occupied(service, true)) * dt);
}

void EnglandModel::allocate_case_management(StepContext& ctx, double t) {
  auto& pop = ctx.pop;
  PersonRecord* people = pop.data(person_);
  const double wanted = p_.case_management_places(t);
  if (wanted < 1.0 && !case_managed_) return;  // no places now, and nobody holds one
  case_managed_ = wanted >= 1.0;
  // Who could have a place: living people in the community who still use.
  std::vector<std::pair<float, PersonId>> candidates;
  if (wanted >= 1.0) {
    for (PersonId i = 0; i < pop.size(); ++i) {
      const auto st = pop.state[i];
      if (states_[st].absorbing || st == kPrison || st == kCeased) continue;
      candidates.emplace_back(0.0f, i);
    }
    rank(ctx, candidates, t, p_.case_management.by_risk ? Parameters::kRisk : Parameters::kRandom, kCaseManagementDraw);
  }
  const auto places = std::min<std::size_t>(candidates.size(), static_cast<std::size_t>(std::llround(wanted)));
  std::vector<std::uint8_t> chosen(pop.size(), 0);
  // The drug deaths the places are expected to avert over the coming quarter: each
  // holder's fatal-overdose hazard now (without case management) x (1 - rr) x time.
  // A noiseless measure of how well the places are targeted.
  const double quarter = static_cast<double>(kCaseManagementEvery) / ctx.clock.steps_per_year;
  double expected = 0.0;
  Hazards h;
  for (std::size_t k = 0; k < places; ++k) {
    const PersonId i = candidates[k].second;
    chosen[i] = 1;
    hazards(pop, i, t, h);
    const double without = h.rate[kFatalOverdose] / (people[i].case_managed ? p_.case_management.overdose_rr : 1.0);
    expected += without * (1.0 - p_.case_management.overdose_rr) * quarter;
  }
  const std::size_t row = static_cast<std::size_t>(period_of_step(ctx.step)) * 2;
  ctx.tally.add_amount(kCaseManagement, row, static_cast<double>(places) * quarter, outputs_[kCaseManagement].fixed_point_scale);
  ctx.tally.add_amount(kCaseManagement, row + 1, expected, outputs_[kCaseManagement].fixed_point_scale);
  for (PersonId i = 0; i < pop.size(); ++i) {
    if (people[i].case_managed != chosen[i] && !states_[pop.state[i]].absorbing) {
      people[i].case_managed = chosen[i];
      pop.reschedule(i, static_cast<float>(t));  // their hazards changed
    }
  }
  if (places > 0) {
    add_cost(ctx.tally, t - ctx.clock.step_length() / 2, kCostCaseManagement,
             static_cast<double>(places) * p_.case_management.cost_per_place_year * kCaseManagementEvery /
                 ctx.clock.steps_per_year);
  }
}

void EnglandModel::allocate_kits(StepContext& ctx, double t) {
  // Rationed naloxone: each rationed channel's kits for this quarter go to the people
  // it serves who have no usable kit (under a budget, one pool for all three).
  auto& pop = ctx.pop;
  PersonRecord* people = pop.data(person_);
  const double quarter = static_cast<double>(kCaseManagementEvery) / ctx.clock.steps_per_year;
  const bool pooled = p_.budget.when.on(t);
  const std::uint32_t period = period_of_step(ctx.step);
  for (int channel = kKitTreatment; channel <= (pooled ? kKitTreatment : kKitPharmacyPeer); ++channel) {
    const double kits = p_.kits_per_year_limit(t, channel) * quarter;
    if (kits < 1.0) continue;
    std::vector<std::pair<float, PersonId>> candidates;
    for (PersonId i = 0; i < pop.size(); ++i) {
      const int served_by = kit_channel(pop.state[i]);
      if (served_by < 0 || t < people[i].naloxone_expiry) continue;
      if (!pooled && served_by != channel) continue;
      candidates.emplace_back(0.0f, i);
    }
    rank(ctx, candidates, t, p_.capacity.queue == Parameters::kRisk ? Parameters::kRisk : Parameters::kRandom,
         kKitAllocationDraw);
    const std::size_t n = std::min(candidates.size(), static_cast<std::size_t>(kits));
    for (std::size_t k = 0; k < n; ++k) {
      const PersonId i = candidates[k].second;
      people[i].naloxone_expiry = static_cast<float>(t + p_.kit_shelf_life);
      ctx.tally.add(kNaloxone, period * kNaloxoneFlowCount + kit_channel(pop.state[i]));
      add_cost(ctx.tally, t - ctx.clock.step_length() / 2, kCostNaloxone, p_.cost_kit);
      pop.reschedule(i, static_cast<float>(t));  // fatality changed
    }
  }
}

void EnglandModel::allocate_outreach(StepContext& ctx, double t) {
  // Outreach with a fixed number of workers: this step's contacts go to people not in
  // contact (by risk score or at random), who move into harm-reduction contact.
  const double contacts = p_.outreach_contacts_per_week(t) * 52.0 / ctx.clock.steps_per_year;
  if (contacts < 1.0) return;
  auto& pop = ctx.pop;
  std::vector<std::pair<float, PersonId>> candidates;
  for (PersonId i = 0; i < pop.size(); ++i) {
    if (pop.state[i] == kNotInContact) candidates.emplace_back(0.0f, i);
  }
  rank(ctx, candidates, t, p_.capacity.queue == Parameters::kRisk ? Parameters::kRisk : Parameters::kRandom,
       kOutreachDraw);
  const std::size_t n = std::min(candidates.size(), static_cast<std::size_t>(contacts));
  PersonContext pctx{pop, ctx.random, ctx.tally, ctx.step};
  const std::uint32_t period = period_of_step(ctx.step);
  for (std::size_t k = 0; k < n; ++k) {
    const PersonId i = candidates[k].second;
    ctx.tally.add(kEvents, period * kEventCount + kOutreachContact);
    move(pctx, i, kHarmReduction, t);
    pop.reschedule(i, static_cast<float>(t));
  }
}

void EnglandModel::end_step(StepContext& ctx) {
  const double t = ctx.clock.time_of_step(ctx.step + 1);
  for (Service s : {kServiceOst, kServiceResidential}) allocate_places(ctx, s, t);
  allocate_outreach(ctx, t);
  if ((ctx.step + 1) % kCaseManagementEvery == 0) {
    allocate_case_management(ctx, t);
    allocate_kits(ctx, t);
  }
  for (auto* x : active_) x->end_step(ctx, t);
}

std::string EnglandModel::invariant_problem(const Population& pop, std::uint32_t step) const {
  // The running occupancy counts match the people in each service, every person
  // waiting is on the list, and no admission ever left more people than places.
  std::int64_t ost = 0, residential = 0, waiting = 0;
  for (PersonId i = 0; i < pop.size(); ++i) {
    ost += in_ost(pop.state[i]);
    residential += pop.state[i] == kResidential;
    waiting += pop.state[i] == kWaiting;
  }
  if (ost != occupied(kServiceOst) || residential != occupied(kServiceResidential)) {
    return fmt::format("service occupancy counted {} in OST and {} in residential care, but {} and {} are there",
                       occupied(kServiceOst), occupied(kServiceResidential), ost, residential);
  }
  std::int64_t listed = 0;
  for (const auto& entry : queue_[kServiceOst]) listed += on_list(pop, kServiceOst, entry);
  if (waiting != occupied(kServiceOst, true) || waiting != listed) {
    return fmt::format("{} people are waiting for OST, the count says {} and the list holds {}", waiting,
                       occupied(kServiceOst, true), listed);
  }
  // Dead entries are tidied away once they outnumber the people waiting (allocate_places),
  // and admissions since can leave at most as many again.
  for (Service s : {kServiceOst, kServiceResidential}) {
    std::size_t live = 0;
    for (const auto& entry : queue_[s]) live += on_list(pop, s, entry);
    if (queue_[s].size() > 2 * live + admitted_last_[s]) {
      return fmt::format("the {} waiting list holds {} entries for {} people waiting ({} admitted last step): "
                         "entries of people who left are not being tidied away",
                         s == kServiceOst ? "OST" : "residential", queue_[s].size(), live, admitted_last_[s]);
    }
  }
  if (over_capacity_admissions_ > 0) {
    return fmt::format("{} admissions left more people than places (by step {})", over_capacity_admissions_, step);
  }
  return {};
}

void EnglandModel::census(const Population& pop, PersonId i, std::uint32_t period, Tally& tally) const {
  const StateId s = pop.state[i];
  if (states_[s].absorbing) return;
  const PersonRecord& me = pop.data(person_)[i];
  const double t = p_.weekly ? static_cast<double>(period) / p_.clock.steps_per_year : period;
  const int age = age_at(me, t);
  tally.add(kPeople, ((static_cast<std::size_t>(period) * kStateCount + s) * kAgeBands + age_band(age)) * 2 + me.sex);
  tally.add_amount(kPersonYears, period * kStateCount + s, period_end(period) - t,
                   outputs_[kPersonYears].fixed_point_scale);
  const std::size_t base = static_cast<std::size_t>(period) * kConditionCount;
  if (me.hcv == 1) tally.add(kConditions, base + kHcvUndiagnosed);
  if (me.hcv == 2) tally.add(kConditions, base + kHcvDiagnosed);
  if (me.hcv == 3) tally.add(kConditions, base + kHcvCured);
  if (me.liver) tally.add(kConditions, base + kLiverDiseaseCondition);
  if (me.copd) tally.add(kConditions, base + kCopd);
  if (me.sedatives) tally.add(kConditions, base + kSedatives);
  if (me.mental_health) tally.add(kConditions, base + kMentalHealth);
  if (t < me.naloxone_expiry) tally.add(kConditions, base + kNaloxoneHeld);
  if (me.case_managed) tally.add(kConditions, base + kCaseManaged);
  if (me.injecting) tally.add(kConditions, base + kInjecting);
  if (extended_) [[unlikely]] return extension_census(pop, i, period, tally);  // a tail call: census stays a leaf
}

void EnglandModel::extension_census(const Population& pop, PersonId i, std::uint32_t period, Tally& tally) const {
  for (const auto* x : active_) x->census(pop, i, period, tally);
}

void EnglandModel::finish(Tally& tally) const {
  // Costs that accrue with time in a service: person-years x unit cost, and lever
  // costs for the share of each period the lever was on.
  const double py_scale = outputs_[kPersonYears].fixed_point_scale;
  for (std::uint32_t k = 0; k < periods_; ++k) {
    auto py = [&](State s) { return static_cast<double>(tally.cell(kPersonYears, k * kStateCount + s)) / py_scale; };
    const double start = p_.weekly ? static_cast<double>(k) / p_.clock.steps_per_year : k;
    const double end = period_end(k);
    const double mid = (start + end) / 2;
    const double treated = py(kOst) + py(kDoseReduction);
    add_cost(tally, mid, kCostOst, treated * p_.cost_ost);
    add_cost(tally, mid, kCostResidential, py(kResidential) * p_.cost_residential);
    add_cost(tally, mid, kCostOutreach, py(kHarmReduction) * p_.cost_outreach);
    add_cost(tally, mid, kCostRetentionSupport,
             py(kOst) * p_.retention.when.share_of(start, end) * p_.retention.cost_per_client_year);
    if (p_.health.cost_per_person_year > 0) {
      // People with COPD, liver disease or a mental-health condition (census count).
      std::int64_t with = 0;
      for (Condition c : {kLiverDiseaseCondition, kCopd, kMentalHealth}) with += tally.cell(kConditions, k * kConditionCount + c);
      add_cost(tally, mid, kCostHealthCare,
               static_cast<double>(with) * (end - start) * p_.health.when.share_of(start, end) * p_.health.cost_per_person_year);
    }
  }
  // Discounted costs: each period's costs x (1 + r)^-(year - base year), from the base
  // year on (NICE reference case: 3.5%).
  for (std::uint32_t k = 0; k < periods_; ++k) {
    const int year = p_.clock.start_year + static_cast<int>(p_.weekly ? k / p_.clock.steps_per_year : k);
    const double factor = year > p_.discount_base_year ? std::pow(1.0 + p_.discount_rate, -(year - p_.discount_base_year)) : 1.0;
    for (int item = 0; item < cost_items_; ++item) {
      const std::size_t cell = k * static_cast<std::size_t>(cost_items_) + item;
      tally.add(kCostsDiscounted, cell, static_cast<std::int64_t>(std::llround(static_cast<double>(tally.cell(kCosts, cell)) * factor)));
    }
  }
}

}  // namespace averted::england
