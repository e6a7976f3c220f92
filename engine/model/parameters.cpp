#include "model/parameters.hpp"

#include "model/extension.hpp"
#include "model/local_area.hpp"

#include <fmt/format.h>

#include <utility>

namespace averted {
namespace param {

// A Real or Integer parameter: the fields every declaration shares.
ParamSpec number(ParamType type, std::string path, ParamValue value, std::string unit, double lo,
                 double hi, std::string description, std::string source) {
  ParamSpec s;
  s.path = std::move(path);
  s.type = type;
  s.default_value = std::move(value);
  s.unit = std::move(unit);
  s.min = lo;
  s.max = hi;
  s.description = std::move(description);
  s.source = std::move(source);
  return s;
}

ParamSpec real(std::string path, double value, std::string unit, double lo, double hi,
               std::string description, std::string source) {
  return number(ParamType::Real, std::move(path), value, std::move(unit), lo, hi, std::move(description),
                std::move(source));
}

ParamSpec rate(std::string path, double value, std::string description, std::string source) {
  return real(std::move(path), value, "per person-year", 0.0, 1000.0, std::move(description),
              std::move(source));
}

ParamSpec multiplier(std::string path, double value, std::string description, std::string source) {
  return real(std::move(path), value, "rate ratio", 0.0, 1000.0, std::move(description),
              std::move(source));
}

ParamSpec probability(std::string path, double value, std::string description, std::string source) {
  return real(std::move(path), value, "probability", 0.0, 1.0, std::move(description),
              std::move(source));
}

ParamSpec integer(std::string path, std::int64_t value, std::string unit, double lo, double hi,
                  std::string description, std::string source) {
  return number(ParamType::Integer, std::move(path), value, std::move(unit), lo, hi, std::move(description),
                std::move(source));
}

ParamSpec series(std::string path, Series value, std::string unit, double lo, double hi,
                 std::string key_unit, double key_lo, double key_hi, std::string description,
                 std::string source) {
  ParamSpec s;
  s.path = std::move(path);
  s.type = ParamType::Series;
  s.interp = value.interp;
  s.default_value = std::move(value);
  s.unit = std::move(unit);
  s.min = lo;
  s.max = hi;
  s.key_unit = std::move(key_unit);
  s.key_min = key_lo;
  s.key_max = key_hi;
  s.description = std::move(description);
  s.source = std::move(source);
  return s;
}

Series by_age(std::vector<double> values) {
  // Lewer et al. 2022 publish modelled rates at these ages.
  return Series{Series::Interp::Linear, {20, 25, 30, 35, 40, 45, 50, 55, 60, 64}, std::move(values)};
}

ParamSpec flag(std::string path, bool value, std::string description, std::string source) {
  ParamSpec s;
  s.path = std::move(path);
  s.type = ParamType::Boolean;
  s.default_value = value;
  s.description = std::move(description);
  s.source = std::move(source);
  return s;
}

}  // namespace param
using namespace param;

void declare_run_parameters(ParamTable& t) {
  ParamSpec name;
  name.path = "scenario.name";
  name.type = ParamType::Text;
  name.default_value = std::string("unnamed scenario");
  name.description = "Short name shown in results and reports.";
  name.source = "set by the scenario author";
  t.add(name);
  ParamSpec desc = name;
  desc.path = "scenario.description";
  desc.default_value = std::string("");
  desc.description = "What this scenario changes and why, in a sentence or two.";
  t.add(desc);

  t.add(integer("run.start_year", 1980, "calendar year", 1950, 2100,
                "First simulated year (1 January). Early enough that the cohort alive in 1993 "
                "is built by the simulation itself, from new initiates.",
                "design choice: new-initiate series starts in 1980 (new_injectors_per_year)"));
  t.add(integer("run.end_year", 2031, "calendar year", 1951, 2200,
                "The run ends on 1 January of this year.", "design choice"));
  t.add(integer("run.steps_per_year", 52, "steps", 1, 365,
                "Steps per year. Events happen in continuous time; the step only sets how often "
                "people compete for shared services and how finely weekly outputs are cut.",
                "design choice (docs/kernel.md: step-size tolerance)"));
  t.add(integer("run.seed", 20260401, "", 0, 4294967295.0,
                "Master seed of the counter-based random numbers. Same seed, same results.",
                "design choice"));
  t.add(integer("run.replicates", 1, "runs", 1, 65535,
                "Stochastic replicates per scenario (each uses its own random numbers).",
                "design choice"));
  t.add(real("run.population_scale", 1.0, "fraction of the area", 1e-4, 10.0,
             "Simulate this fraction of the population described, England or the local area of "
             "local_area (0.1 = one person stands for ten). Counts in results are simulated people; "
             "divide by the scale for the area's.",
             "design choice"));
  ParamSpec weekly;
  weekly.path = "output.weekly";
  weekly.type = ParamType::Boolean;
  weekly.default_value = false;
  weekly.description = "Also cut outputs by week (larger files) instead of by year only.";
  weekly.source = "design choice";
  t.add(weekly);
}

void declare_england_parameters(ParamTable& t) {
  // --- who enters and leaves the population ---
  t.add(real("population.initial_size", 60000, "people", 0, 1e7,
             "People using heroin at the start year (1980), before scaling.",
               "assumption: about 11 years of new injectors at the 1980 rate (new_injectors_per_year "
               "1980 = 5,470) still using; calibrated in the calibration issue"));
  t.add(series("population.new_injectors",
               Series{Series::Interp::Linear, {1980, 1998, 2019}, {5470, 10270, 2420}},
               "people starting per year", 0, 1e6, "calendar year", 1900, 2200,
               "New people starting to inject heroin each year in England (linear between the "
               "published points; the last value holds after 2019).",
               "evidence.csv new_injectors_per_year (Lewer et al. 2022, Addiction)"));
  t.add(multiplier("population.initiates_per_injector", 2.0,
                   "People who start dependent heroin use per person who starts injecting (many "
                   "never inject).",
                   "assumption: opiate users 7.32 per 1,000 (ocu_prevalence, Hay 2014) against "
                   "87,302 injectors (ocu_injectors 2011/12) gives a stock ratio of about 2.9; the "
                   "flow ratio is lower because injectors are over-represented among new users"));
  t.add(series("population.initiation_age",
               Series{Series::Interp::Linear, {1990, 2019}, {22, 33}}, "years", 12, 70,
               "calendar year", 1900, 2200, "Median age at starting heroin use, by year.",
               "Lewer et al. 2022 (Addiction): median age at first injection 22 (1990) to 33 "
               "(2019), EVIDENCE.md section 2"));
  t.add(real("population.initiation_age_shift", 0.0, "years", -15.0, 15.0,
             "Years added to every value of population.initiation_age (the starting population's and "
             "every entrant's median age at starting use); a number, so the calibration can fit it.",
             "design choice: 0 keeps the evidence-based series; scenarios/england/calibration.yaml "
             "fits it (docs/calibration.md)"));
  t.add(real("population.initiation_age_sd", 6.0, "years", 0.0, 30.0,
             "Spread (standard deviation) of the age at starting use around the median; the "
             "normal is truncated at 12 (nobody starts younger).",
             "assumption: interquartile range of current injectors' age is about 8-10 years "
             "(uam_median_age_current_injectors lower/upper)"));
  t.add(probability("population.share_male", 0.75, "Share of people who use heroin who are men.",
                    "OHID/UKHSA 2023: three-quarters of opiate/crack users are men (EVIDENCE.md "
                    "section 2, 2018/19)"));
  t.add(probability("population.share_injecting", 0.4,
                    "Share of people starting heroin use who inject.",
                    "assumption: 87,302 injectors among about 256,000 opiate users in 2011/12 "
                    "(ocu_injectors, ocu_prevalence) is 34%; new users inject somewhat more"));
  t.add(rate("population.cessation_rate", 0.03,
             "Rate at which people using heroin outside treatment stop for good.",
             "assumption pending calibration: long-term cohort studies report 2-5% a year"));
  t.add(rate("population.emigration_rate", 0.005, "Rate of leaving England.",
             "assumption: small; not separately identified in the evidence"));

  // --- deaths: Lewer et al. 2022, per 100,000 person-years by single year of age ---
  t.add(series("mortality.drug_poisoning", by_age({271.1, 348.3, 422.1, 482.5, 520.2, 529.0, 507.4, 459.1, 391.7, 330.8}),
               "deaths per 100,000 person-years", 0, 1e5, "age", 0, 120,
               "Drug-poisoning death rate by age in the English opioid cohort (all pathway "
               "states mixed); the model rescales it to people not in contact with services.",
               "evidence.csv lewer2022_modelled_rate_drd_age_* (Lewer et al. 2022, Lancet Public Health)"));
  t.add(series("mortality.liver", by_age({8.4, 20.6, 44.6, 85.3, 143.8, 214.0, 280.7, 324.7, 331.2, 307.4}),
               "deaths per 100,000 person-years", 0, 1e5, "age", 0, 120,
               "Liver-disease death rate by age.", "evidence.csv lewer2022_modelled_rate_liver_age_*"));
  t.add(series("mortality.copd", by_age({0.3, 1.1, 3.3, 9.6, 25.3, 60.6, 132.4, 264.1, 480.6, 726.1}),
               "deaths per 100,000 person-years", 0, 1e5, "age", 0, 120,
               "COPD death rate by age.", "evidence.csv lewer2022_modelled_rate_copd_age_*"));
  t.add(series("mortality.external", by_age({120.0, 132.3, 141.8, 147.9, 150.0, 147.9, 141.9, 132.3, 120.1, 108.9}),
               "deaths per 100,000 person-years", 0, 1e5, "age", 0, 120,
               "External-cause (injury) death rate by age; a share of it is suicide.",
               "evidence.csv lewer2022_modelled_rate_external_age_*"));
  t.add(series("mortality.all_cause", by_age({452.4, 582.3, 753.3, 979.6, 1280.7, 1683.1, 2223.5, 2952.9, 3942.1, 4986.0}),
               "deaths per 100,000 person-years", 0, 1e5, "age", 0, 120,
               "All-cause death rate by age; 'other' deaths are all causes less the four above.",
               "evidence.csv lewer2022_modelled_rate_all_cause_age_*"));
  t.add(probability("mortality.suicide_share_of_external", 0.42,
                    "Share of external-cause deaths that are suicides.",
                    "derived: suicide is 4.9% of cohort deaths (Lewer 2022, EVIDENCE.md section 4); "
                    "external causes are about 11.6% of the modelled all-cause rate at ages 35-45"));

  // --- overdose ---
  t.add(probability("overdose.fatality", 1.0 / 15.0,
                    "Share of overdoses that are fatal when no naloxone is used.",
                    "us_fatal_to_nonfatal_overdose_ratio: about 1 fatal per 15 non-fatal (Casillas "
                    "2024); Jones 2022: ED presentations about 14 times fatal overdoses"));
  t.add(multiplier("overdose.cohort_mean_multiplier", 0.92,
                   "Average overdose multiplier of the Lewer 2022 cohort relative to people not in "
                   "contact with services; the age curve is divided by it.",
                   "derived: about half the cohort in OST at a lower rate, plus risk windows; the value "
                   "makes simulated drug-poisoning deaths average the ONS England drug-misuse deaths of "
                   "2005-2016 (ons_eng_drug_misuse_deaths_registered); replaced by the calibration issue's fit"));
  t.add(real("overdose.age_gradient", 1.0, "exponent", 0.0, 3.0,
             "How steeply overdose rates change with age: the drug-poisoning curve's ratio to its value at "
             "age 40 is raised to this power (1: the curve as published; 0: every age at the age-40 rate; "
             "2: twice as steep on the log scale).",
             "design choice: 1 keeps Lewer 2022's curve. The curve pools 2001-2018, when the cohort was "
             "older in the deadlier later years (age-standardised drug-poisoning rate 345 per 100,000 in "
             "2010-12 against 534 in 2016-18, lewer2022_std_rate_drd_opioid), so part of its rise with age "
             "may be period; scenarios/england/calibration.yaml fits it (docs/calibration.md)"));
  t.add(multiplier("overdose.period_trend", 1.0,
                   "Overdose rates are multiplied by this once more in each calendar year after "
                   "overdose.period_trend_start (a period effect: heroin purity, other drugs); 1: none.",
                   "assumption: no period effect by default; ONS drug-misuse deaths in England rose 85% from "
                   "2012 to 2023 (ons_eng_drug_misuse_deaths_registered) while the cohort aged and shrank, "
                   "so scenarios/england/calibration.yaml fits it (docs/calibration.md)"));
  t.add(real("overdose.period_trend_start", 2012.0, "calendar year", 1950.0, 2100.0,
             "Last calendar year before the overdose period trend applies.",
             "ons_eng_drug_misuse_deaths_registered: the lowest year of the recent series (1,492 in 2012)"));
  t.add(real("overdose.period_trend_end", 2023.0, "calendar year", 1950.0, 2200.0,
             "Last calendar year in which the overdose period trend still rises; later years keep that "
             "year's level. Set it later to carry a fitted trend on into the forecast.",
             "ons_eng_drug_misuse_deaths_registered: the last year observed (2023); holding the level "
             "beyond the data is an assumption (a fitted trend is not compounded where nothing was seen)"));
  t.add(multiplier("overdose.supply_shortage", 0.75,
                   "Overdose rates in the calendar years overdose.supply_shortage_start to "
                   "overdose.supply_shortage_end are multiplied by this: a heroin shortage, when street heroin "
                   "was scarce and weak; 1: none.",
                   "ONS (2012) Deaths related to drug poisoning in England and Wales, 2011: deaths involving "
                   "heroin or morphine fell 25% in 2011 (to 596), which ONS relates to the shortage of heroin "
                   "that began in 2010 and continued in some areas in 2011/12; scenarios/england/calibration.yaml "
                   "fits it (docs/calibration.md)"));
  t.add(real("overdose.supply_shortage_start", 2011.0, "calendar year", 1950.0, 2200.0,
             "First calendar year of the heroin shortage (overdose.supply_shortage).",
             "Ahmad and Richardson (2016) Impact of the reduction in heroin supply between 2010 and 2011, Home "
             "Office Research Report 91: the average purity of street heroin seizures fell sharply in November "
             "2010"));
  t.add(real("overdose.supply_shortage_end", 2012.0, "calendar year", 1950.0, 2200.0,
             "Last calendar year of the heroin shortage.",
             "Ahmad and Richardson (2016), Home Office Research Report 91: by June 2012 street purity had not "
             "returned to its earlier levels; ONS (2014) relates the rise of heroin deaths in 2013 to purity "
             "rising again"));
  t.add(multiplier("overdose.rr_in_ost", 0.64,
                   "Overdose rate in OST (after induction) relative to out of treatment (outside the "
                   "risk windows).",
                   "derived: makes the simulated drug-death rate out of treatment 1.73 times the rate in "
                   "treatment, windows included, as Pierce et al. 2016 found (pierce2016_ahr_out_of_treatment "
                   "1.73, 1.55-1.92); 1/1.73 = 0.58 before the windows"));
  t.add(multiplier("overdose.rr_ost_first_4_weeks", 3.11,
                   "Overdose rate in the first 4 weeks of OST relative to later in OST.",
                   "Jones et al. 2022 (NSW): non-fatal overdose in the first 4 weeks of treatment, "
                   "aIRR 3.11 (EVIDENCE.md section 4)"));
  t.add(multiplier("overdose.rr_after_treatment_exit_4_weeks", 12.83,
                   "Overdose rate in the 4 weeks after leaving OST, dose reduction or residential "
                   "care, relative to being in OST.",
                   "Jones et al. 2022: fatal overdose in the first 4 weeks after leaving treatment, "
                   "aIRR 12.83 (EVIDENCE.md section 4)"));
  t.add(multiplier("overdose.rr_dose_reduction", 1.28,
                   "Overdose rate while tapering relative to stable OST.",
                   "Agnoli et al. 2021 (corrected 2022): overdose aIRR 1.28 after tapering "
                   "(chronic-pain patients; EVIDENCE.md section 7)"));
  t.add(multiplier("overdose.rr_residential", 0.1,
                   "Overdose rate in residential care relative to out of treatment.",
                   "assumption: supervised setting; no English estimate found"));
  t.add(multiplier("overdose.rr_recovery", 0.2,
                   "Overdose rate in recovery (abstinent) relative to out of treatment.",
                   "assumption: occasional lapses; no English estimate found"));
  t.add(multiplier("overdose.rr_prison", 0.1,
                   "Overdose rate in prison relative to out of treatment.",
                   "assumption: ndtms_secure_deaths_in_treatment 38-54 deaths a year (all causes) "
                   "among about 50,000 treated"));
  t.add(multiplier("overdose.rr_release_weeks_1_2_vs_3_12", 7.5,
                   "Overdose rate in weeks 1-2 after prison release relative to weeks 3-12.",
                   "Merrall et al. 2010, UK: 7.5 (5.7-9.9) (EVIDENCE.md section 5)"));
  t.add(multiplier("overdose.rr_release_weeks_3_4_vs_5_12", 1.7,
                   "Overdose rate in weeks 3-4 after release relative to weeks 5-12.",
                   "Merrall et al. 2010, pooled: 1.7 (1.3-2.2)"));
  t.add(multiplier("overdose.rr_relapse_4_weeks", 12.83,
                   "Overdose rate in the 4 weeks after relapse from recovery, relative to OST "
                   "(lost tolerance).",
                   "assumption: same as after leaving treatment (Jones et al. 2022)"));
  t.add(multiplier("overdose.rr_injecting", 1.5,
                   "Overdose rate of people who inject relative to those who do not.",
                   "assumption: Pierce 2016 out-of-treatment aHR 2.27 for injectors against 1.73 "
                   "overall (EVIDENCE.md section 4) suggests about 1.3-1.6"));

  // --- care pathway rates (assumptions pending calibration unless cited) ---
  t.add(rate("pathway.outreach_contact_rate", 0.3,
             "Rate at which people not in contact are reached by outreach or needle exchange.",
             "assumption pending calibration"));
  t.add(rate("pathway.lose_contact_rate", 0.5,
             "Rate at which people in harm-reduction contact drift out of contact.",
             "assumption pending calibration"));
  t.add(rate("pathway.self_referral_rate", 0.2,
             "Rate of starting OST from no contact with services.",
             "assumption pending calibration to ndtms_adults_in_treatment_opiate_group"));
  t.add(rate("pathway.referral_rate_from_outreach", 0.6,
             "Rate of starting OST from harm-reduction contact.",
             "assumption pending calibration"));
  t.add(rate("pathway.ost_dropout_rate", 0.25,
             "Rate of unplanned exit from OST.",
             "assumption pending calibration: median OST episodes last about 2-3 years"));
  t.add(rate("pathway.voluntary_reduction_rate", 0.08,
             "Rate at which people in OST choose to taper.",
             "assumption pending calibration to phof_successful_completion_opiate (6.6-8.6%)"));
  t.add(rate("pathway.forced_reduction_rate", 0.0,
             "Rate at which people in OST are put on a forced taper (time-limited prescribing, "
             "target-driven discharge). A commissioning lever; zero means none.",
             "lever: no English estimate of its current extent (EVIDENCE.md section 7)"));
  t.add(rate("pathway.reduction_completion_rate", 1.0,
             "Rate at which a taper ends in completion (abstinent).",
             "assumption: tapers last about 6 months"));
  t.add(rate("pathway.reduction_failure_rate", 1.0,
             "Rate at which a taper ends in leaving treatment still using.",
             "assumption: about half of tapers complete"));
  t.add(multiplier("pathway.forced_reduction_failure_rr", 2.0,
                   "Failure rate of forced tapers relative to chosen ones.",
                   "assumption: no direct English evidence (EVIDENCE.md section 7)"));
  t.add(rate("pathway.residential_entry_rate", 0.03, "Rate of moving from OST to residential care.",
             "assumption pending calibration"));
  t.add(rate("pathway.residential_completion_rate", 2.5,
             "Rate of completing residential care (about 12 weeks, most complete).",
             "assumption"));
  t.add(rate("pathway.residential_dropout_rate", 1.5, "Rate of leaving residential care early.",
             "assumption"));
  t.add(rate("pathway.relapse_rate", 0.4, "Rate of relapse from recovery.",
             "assumption pending calibration"));
  t.add(rate("pathway.recovery_cessation_rate", 0.2,
             "Rate at which people in recovery are counted as having stopped for good.",
             "assumption: sustained abstinence beyond about 5 years"));
  t.add(rate("prison.imprisonment_rate", 0.08,
             "Rate of imprisonment of people using outside treatment.",
             "assumption pending calibration to ndtms_secure_adults_in_treatment"));
  t.add(multiplier("prison.rr_imprisonment_in_treatment", 0.5,
                   "Imprisonment rate in treatment relative to out of treatment.",
                   "assumption"));
  t.add(rate("prison.release_rate", 3.0, "Rate of release (mean stay about 4 months).",
             "assumption: MoJ releases of about 12,000-13,000 a quarter (moj_prison_releases_from_sentence_quarter) "
             "against the prison population"));
  t.add(series("prison.continuity_of_care",
               Series{Series::Interp::Step, {1980, 2016, 2020, 2021, 2022, 2023, 2024},
                      {0.303, 0.303, 0.345, 0.381, 0.37, 0.43, 0.53}},
               "probability", 0, 1, "calendar year", 1900, 2200,
               "Share of people released with a treatment need who start community OST within "
               "3 weeks (held at the 2015/16 value before it was first measured).",
               "evidence.csv continuity_of_care_prison_to_community_3wk (PHOF C20), by financial year"));

  // --- comorbidities ---
  t.add(rate("health.hcv_infection_rate", 0.04,
             "Rate of becoming chronically infected with hepatitis C while injecting (not cured).",
             "derived: UAM antibody prevalence about 50% (uam_hcv_antibody_prevalence) after a median "
             "of about 15 years injecting (uam_median_years_injecting) gives about 0.05 a year; "
             "about 75% of infections become chronic"));
  t.add(probability("health.hcv_chronic_at_entry", 0.05,
                    "Share of new initiates who already have chronic hepatitis C.",
                    "assumption: most infections come after years of injecting"));
  t.add(rate("health.hcv_test_rate_in_treatment", 0.3,
             "Rate at which people with undiagnosed chronic HCV are diagnosed while in treatment.",
             "assumption: 27-51% of those with chronic infection aware (uam_hcv_awareness_chronic)"));
  t.add(rate("health.hcv_test_rate_outside", 0.05,
             "Rate of HCV diagnosis outside treatment (harm-reduction contact doubles it).",
             "assumption (uam_hcv_awareness_chronic)"));
  t.add(series("health.hcv_treatment_rate",
               Series{Series::Interp::Step, {1980, 2016}, {0.02, 0.3}}, "per person-year", 0, 100,
               "calendar year", 1900, 2200,
               "Rate at which diagnosed chronic HCV is treated and cured (direct-acting antivirals "
               "from 2016; interferon before).",
               "derived: chronic HCV in England fell 51.6% from 2015 to 2022 (EVIDENCE.md section 8)"));
  t.add(rate("health.liver_disease_rate_hcv", 0.02,
             "Rate of developing advanced liver disease with chronic HCV.",
             "assumption: about 20% progress to cirrhosis over 20 years of chronic infection"));
  t.add(rate("health.liver_disease_rate_other", 0.003,
             "Rate of advanced liver disease without HCV (alcohol, other causes).",
             "assumption pending calibration to mortality.liver"));
  t.add(multiplier("health.liver_death_rr_disease", 15.0,
                   "Liver death rate with advanced liver disease, relative to without.",
                   "assumption: the Lewer 2022 liver curve is split so that people with advanced "
                   "liver disease carry most liver deaths"));
  t.add(multiplier("health.liver_death_rr_hcv", 2.0,
                   "Liver death rate with chronic HCV and no advanced disease, relative to none.",
                   "assumption: viral hepatitis SMR 103.5 (Lewer 2022) reflects advanced disease"));
  t.add(series("health.copd_onset_rate", by_age({0.0005, 0.001, 0.002, 0.004, 0.007, 0.012, 0.018, 0.025, 0.035, 0.045}),
               "per person-year", 0, 1, "age", 0, 120,
               "Rate of COPD diagnosis by age.",
               "assumption: shaped on the COPD death curve (Lewer 2022) and the diagnosis hazard "
               "ratio 5.89 (Lewer 2022 BMJ Medicine)"));
  t.add(multiplier("health.copd_death_rr", 20.0,
                   "COPD death rate with a COPD diagnosis relative to without.",
                   "assumption: splits the Lewer 2022 COPD curve between diagnosed and undiagnosed"));
  t.add(multiplier("health.copd_overdose_fatality_rr", 1.5,
                   "Fatality of an overdose for someone with COPD, relative to without.",
                   "assumption: ONS notes older users with lung disease are more vulnerable; no UK "
                   "estimate found (COSTS-LOCAL.md section 3)"));
  t.add(probability("health.mental_health_share", 0.4,
                    "Share of people with a mental-health condition (fixed at entry).",
                    "assumption: a common estimate of co-occurring conditions in treatment"));
  t.add(multiplier("health.suicide_rr_mental_health", 3.0,
                   "Suicide rate with a mental-health condition relative to without.",
                   "assumption"));
  t.add(rate("health.sedatives_start_rate", 0.05,
             "Rate of starting co-prescribed sedatives (benzodiazepines, gabapentinoids).",
             "assumption: about 20% prevalence at the stop rate below"));
  t.add(rate("health.sedatives_stop_rate", 0.2, "Rate of stopping co-prescribed sedatives.",
             "assumption"));
  t.add(multiplier("overdose.rr_sedatives", 1.45,
                   "Overdose rate with co-prescribed sedatives relative to without.",
                   "Domzaridou et al. 2023: benzodiazepines wRR 1.45 (1.26-1.67), EVIDENCE.md section 9"));
  t.add(multiplier("overdose.rr_recent_overdose", 1.95,
                   "Overdose rate in the year after a non-fatal overdose.",
                   "Caudarella et al. 2016: aHR 1.95 (1.17-3.27) for fatal overdose (COSTS-LOCAL.md section 3)"));
  t.add(probability("overdose.fatality_with_naloxone", 0.008,
                    "Share of overdoses that are fatal when take-home naloxone is used.",
                    "McDonald & Strang 2016: 1 in 123 (0.8%), EVIDENCE.md section 6"));
  t.add(probability("naloxone.used_at_overdose", 0.25,
                    "Chance that a kit held is at hand and used at an overdose.",
                    "derived: Langham et al. 2018 found kits reaching 30% of users cut overdose deaths by "
                    "6.6%, a 22% cut for holders; with 0.8% fatality when used (McDonald & Strang 2016) "
                    "against 1 in 15 without, that is a kit used at 25% of holders' overdoses"));
  t.add(real("naloxone.shelf_life", 3.0, "years", 0.1, 20,
             "Years a kit stays usable after it is supplied.",
             "assumption: intramuscular kits carry about 3 years' expiry"));
  t.add(rate("naloxone.kits_per_ost_client_year", 0.15,
             "Kits supplied per person-year in OST (treatment-service channel).",
             "derived: England 2016/17 about 12 kits per 100 people using opiates a year (Release FOI, "
             "COSTS-LOCAL.md 1d), most through treatment services"));
  t.add(rate("naloxone.kits_per_outreach_contact_year", 0.1,
             "Kits supplied per person-year in harm-reduction contact.", "assumption (as above)"));
  t.add(rate("naloxone.kits_per_person_year_pharmacy_peer", 0.02,
             "Kits supplied per person-year to people not in contact (pharmacies, peers).",
             "assumption (as above)"));
  t.add(probability("naloxone.kit_on_release", 0.1, "Chance of a kit on release from prison.",
                    "Scotland 2011/12: 715 kits for about 7,125 opioid-using liberations (EVIDENCE.md section 6)"));
  t.add(probability("prison.ost_in_prison_share", 0.5,
                    "Share of people with opioid dependence who are on OST when released.",
                    "assumption: 48% of prison treatment is for opiates (ndtms_secure_share_opiate)"));
  t.add(multiplier("prison.release_rr_ost_in_prison", 0.27,
                   "Death risk in the 4 weeks after release for people on OST at release, relative "
                   "to those not.",
                   "Marsden et al. 2017, Addiction: adjusted HR 0.27 (0.11-0.71), COSTS-LOCAL.md section 3"));

  // --- unit costs (pounds) ---
  t.add(real("costs.ost_per_person_year", 1970, "pounds per person-year", 0, 1e6,
             "Cost of a year of community treatment (OST, dose reduction).",
             "costs_local: RO3 local-authority spend / adults in treatment, 2023-24 (COSTS-LOCAL.md section 0)"));
  t.add(real("costs.residential_per_person_year", 26000, "pounds per person-year", 0, 1e6,
             "Cost of a year of residential rehabilitation or inpatient detox.",
             "assumption: about £500 a week; 1992 range £280-£1,000+ a week (COSTS-LOCAL.md 1c); no current figure found"));
  t.add(real("costs.naloxone_kit", 19, "pounds per kit", 0, 1e4, "Cost of a take-home naloxone kit.",
             "Bird et al. 2016: £225,000 for about 12,000 kits (COSTS-LOCAL.md 1d)"));
  t.add(real("costs.outreach_per_person_year", 300, "pounds per person-year", 0, 1e6,
             "Cost of a year of outreach or needle-exchange contact.",
             "assumption: no NSP cost per contact found (COSTS-LOCAL.md 1e)"));
  t.add(real("costs.hcv_test", 30, "pounds per test", 0, 1e5, "Cost of an HCV diagnosis (test).",
             "assumption: HCV test cost not found (COSTS-LOCAL.md 1f)"));
  t.add(real("costs.hcv_treatment", 10000, "pounds per course", 0, 1e6,
             "Cost of a course of direct-acting antivirals.",
             "assumption: below the £25,987 list price (NICE TA363); the NHS price is confidential"));
  t.add(real("costs.release_linkage", 200, "pounds per linked release", 0, 1e5,
             "Cost of linking a released person to community treatment.",
             "assumption: about 4 hours of a worker's time"));

  // --- commissioning levers: each applies from `start` until `end` (dates allowed) ---
  auto lever_dates = [&](const std::string& lever, const std::string& what) {
    t.add(real("levers." + lever + ".start", 2100, "calendar year", 1950, 2200,
               "Date the " + what + " lever starts (e.g. 2026-04-01). 2100: never.", "set by the scenario"));
    t.add(real("levers." + lever + ".end", 2200, "calendar year", 1950, 2200,
               "Date the " + what + " lever ends.", "set by the scenario"));
  };
  lever_dates("ost_access", "OST access");
  t.add(multiplier("levers.ost_access.referral_rr", 1.0,
                   "Multiplier on starting OST (self-referral and referral from outreach).", "set by the scenario"));
  t.add(multiplier("levers.ost_access.induction_overdose_rr", 1.0,
                   "Multiplier on overdose risk in the first 4 weeks of OST (induction support).",
                   "set by the scenario"));
  t.add(real("levers.ost_access.cost_per_induction", 150, "pounds per OST start", 0, 1e5,
             "Extra cost of supported induction, per OST start while the lever is on.",
             "assumption: about 3 hours of key-worker time"));
  lever_dates("retention", "retention and forced reduction");
  t.add(probability("levers.retention.time_limited_share", 0.0,
                    "Share of people starting OST on time-limited prescribing (a forced taper after "
                    "a fixed time).", "set by the scenario"));
  t.add(real("levers.retention.time_limit_years", 1.0, "years", 0.02, 50,
             "Time in OST before a time-limited prescription is tapered.", "set by the scenario"));
  t.add(multiplier("levers.retention.dropout_rr", 1.0,
                   "Multiplier on unplanned OST drop-out (retention support).", "set by the scenario"));
  t.add(real("levers.retention.cost_per_client_year", 100, "pounds per person-year", 0, 1e6,
             "Extra cost of retention support per OST person-year while the lever is on.",
             "assumption"));
  lever_dates("naloxone", "naloxone");
  t.add(multiplier("levers.naloxone.supply_rr", 1.0,
                   "Multiplier on kits supplied through every community channel.", "set by the scenario"));
  t.add(probability("levers.naloxone.kit_on_release", 0.1,
                    "Chance of a kit on release from prison while the lever is on.", "set by the scenario"));
  lever_dates("prison", "prison release continuity");
  t.add(probability("levers.prison.continuity_of_care", 0.53,
                    "Share of released people who start community OST within 3 weeks while the lever "
                    "is on (target 75%).", "PHOF C20 target (EVIDENCE.md section 3)"));
  t.add(probability("levers.prison.ost_in_prison_share", 0.5,
                    "Share on OST at release while the lever is on.", "set by the scenario"));
  lever_dates("outreach", "outreach and needle exchange");
  t.add(multiplier("levers.outreach.contact_rr", 1.0, "Multiplier on outreach contact with people not in contact.",
                   "set by the scenario"));
  t.add(multiplier("levers.outreach.conversion_rr", 1.0,
                   "Multiplier on starting OST from harm-reduction contact.", "set by the scenario"));
  lever_dates("health", "physical and mental health");
  t.add(multiplier("levers.health.hcv_testing_rr", 1.0, "Multiplier on HCV diagnosis.", "set by the scenario"));
  t.add(multiplier("levers.health.hcv_treatment_rr", 1.0, "Multiplier on HCV treatment.", "set by the scenario"));
  t.add(multiplier("levers.health.copd_death_rr", 1.0,
                   "Multiplier on COPD deaths of people with COPD (COPD care).", "set by the scenario"));
  t.add(multiplier("levers.health.liver_death_rr", 1.0,
                   "Multiplier on liver deaths of people with advanced liver disease (liver care).",
                   "set by the scenario"));
  t.add(multiplier("levers.health.suicide_rr", 1.0,
                   "Multiplier on suicide of people with a mental-health condition (mental-health care).",
                   "set by the scenario"));
  t.add(real("levers.health.cost_per_person_year", 0, "pounds per person-year", 0, 1e6,
             "Extra cost of COPD, liver and mental-health care per person-year with the condition.",
             "set by the scenario"));
  lever_dates("case_management", "risk-targeted case management");
  t.add(real("levers.case_management.places", 0, "places (England scale)", 0, 1e7,
             "Intensive case-management places; scaled with run.population_scale.", "set by the scenario"));
  ParamSpec alloc;
  alloc.path = "levers.case_management.allocation";
  alloc.type = ParamType::Choice;
  alloc.choices = {"risk", "random"};
  alloc.default_value = std::string("risk");
  alloc.description = "Who gets a place: the highest risk scores (information systems) or people at random.";
  alloc.source = "set by the scenario";
  t.add(alloc);
  t.add(multiplier("levers.case_management.overdose_rr", 0.8,
                   "Overdose rate while case-managed.",
                   "assumption: no English estimate of intensive case management found (COSTS-LOCAL.md 1j)"));
  t.add(multiplier("levers.case_management.dropout_rr", 0.7,
                   "OST drop-out while case-managed.", "assumption (as above)"));
  t.add(real("levers.case_management.cost_per_place_year", 3000, "pounds per place-year", 0, 1e6,
             "Cost of a case-management place for a year.",
             "assumption: about 1 hour a week of a Band 6 worker (COSTS-LOCAL.md 1j: not found)"));

  // --- shared capacity and the budget (commissioners buy places, not probabilities) ---
  lever_dates("capacity", "service capacity");
  t.add(real("levers.capacity.ost_places", 1e9, "places (England scale)", 0, 1e9,
             "Community treatment places (OST and dose reduction) while the lever is on; people "
             "referred when all are taken wait. Scaled with run.population_scale. 1e9: no limit.",
             "set by the scenario; NDTMS: about 140,000 opiate clients a year (ndtms_adults_in_treatment_opiate_group)"));
  t.add(real("levers.capacity.residential_places", 1e9, "places (England scale)", 0, 1e9,
             "Residential rehabilitation and inpatient detox places while the lever is on. 1e9: no limit.",
             "set by the scenario; 2,565 residential beds in England in 2009 (COSTS-LOCAL.md 1c)"));
  ParamSpec queue;
  queue.path = "levers.capacity.queue";
  queue.type = ParamType::Choice;
  queue.choices = {"fifo", "random", "risk"};
  queue.default_value = std::string("fifo");
  queue.description = "Who gets a free place first: the longest waiting (fifo), anyone at random, or the "
                      "highest risk score.";
  queue.source = "set by the scenario";
  t.add(queue);
  t.add(rate("levers.capacity.waiting_dropoff_rate", 2.0,
             "Rate at which people on a waiting list give up and drift out of contact.",
             "assumption: about 1 in 4 gives up within 2 months of waiting"));
  for (const auto& [channel, who] : {std::pair<std::string, std::string>{"treatment", "people in treatment"},
                                     {"outreach", "people in harm-reduction contact"},
                                     {"pharmacy_peer", "people not in contact (pharmacies, peers)"}}) {
    t.add(real("levers.capacity.kits_per_year_" + channel, 0, "kits per year (England scale)", 0, 1e8,
               "If above zero while the lever is on, this channel supplies this many naloxone kits a year, "
               "handed out every 13 weeks to " + who + " without a kit (highest risk score first if "
               "queue is risk, otherwise at random), instead of its per-person rate.",
               "set by the scenario"));
  }
  t.add(real("levers.capacity.outreach_contacts_per_week", 0, "new contacts per week (England scale)", 0, 1e7,
             "If above zero while the lever is on, outreach makes this many new contacts a week with people "
             "not in contact (highest risk score first if queue is risk, otherwise at random), instead of "
             "pathway.outreach_contact_rate.",
             "set by the scenario"));
  lever_dates("budget", "fixed budget");
  t.add(real("levers.budget.total_per_year", 0, "pounds per year (England scale)", 0, 1e11,
             "While the lever is on, a fixed budget buys the places and kits below, replacing "
             "levers.capacity's numbers: places = budget x share / unit cost.",
             "set by the scenario"));
  t.add(probability("levers.budget.share_ost", 0.9, "Share of the budget buying OST places.", "set by the scenario"));
  t.add(probability("levers.budget.share_residential", 0.05, "Share buying residential places.", "set by the scenario"));
  t.add(probability("levers.budget.share_naloxone", 0.01, "Share buying naloxone kits.", "set by the scenario"));
  t.add(probability("levers.budget.share_case_management", 0.04, "Share buying case-management places.",
                    "set by the scenario"));
  t.add(probability("costs.discount_rate", 0.035, "Annual discount rate for costs from costs.discount_base_year.",
                    "NICE reference case: 3.5% a year (COSTS-LOCAL.md section 0 and 1i)"));
  t.add(integer("costs.discount_base_year", 2026, "calendar year", 1950, 2200,
                "Costs in this year are not discounted; later years are discounted to it.",
                "design choice: the first forecast year"));

  // --- life-years lost: general-population life expectancy (ONS national life tables) ---
  t.add(series("outputs.life_expectancy_male", Series{Series::Interp::Linear, {15, 20, 30, 40, 50, 60, 70, 80, 90},
                                                       {64.2, 59.3, 49.6, 40.0, 30.7, 22.0, 14.2, 7.9, 3.8}},
               "years", 0, 120, "age", 0, 120,
               "Remaining life expectancy of men in England's general population, for life-years lost.",
               "ONS National life tables, England, 2017-2019 (values rounded; check against the current table)"));
  t.add(series("outputs.life_expectancy_female", Series{Series::Interp::Linear, {15, 20, 30, 40, 50, 60, 70, 80, 90},
                                                         {68.1, 63.2, 53.4, 43.6, 34.1, 25.0, 16.6, 9.3, 4.4}},
               "years", 0, 120, "age", 0, 120,
               "Remaining life expectancy of women in England's general population.",
               "ONS National life tables, England, 2017-2019 (values rounded; check against the current table)"));
}

std::vector<ScenarioError> check_consistency(const Scenario& s) {
  std::vector<ScenarioError> errors;
  const double shares = s.real("levers.budget.share_ost") + s.real("levers.budget.share_residential") +
                        s.real("levers.budget.share_naloxone") + s.real("levers.budget.share_case_management");
  if (shares > 1.0 + 1e-9) {
    const Origin& where = s.setting("levers.budget.share_ost").origin;
    ScenarioError e;
    e.file = where.file;
    e.line = where.line;
    e.yaml_path = "levers.budget";
    e.value = std::to_string(shares);
    e.expected = "shares of the budget (share_ost, share_residential, share_naloxone, share_case_management) adding up to at most 1";
    e.suggestion = "lower one of the shares";
    errors.push_back(e);
  }
  const auto start = s.integer("run.start_year"), end = s.integer("run.end_year");
  if (end <= start) {
    const Origin& where = s.setting("run.end_year").origin;
    ScenarioError e;
    e.file = where.file;
    e.line = where.line;
    e.yaml_path = "run.end_year";
    e.value = std::to_string(end);
    e.expected = "a year after run.start_year (" + std::to_string(start) + ", set at " +
                 s.setting("run.start_year").origin.describe() + ")";
    e.suggestion = "the run ends on 1 January of run.end_year, so it must be later than run.start_year";
    errors.push_back(e);
  }
  // A period that ends before it starts.
  auto ordered = [&](const std::string& first, const std::string& last, const std::string& suggestion) {
    if (s.real(last) >= s.real(first)) return;
    const Origin& where = s.setting(last).origin;
    ScenarioError e;
    e.file = where.file;
    e.line = where.line;
    e.yaml_path = last;
    e.value = fmt::format("{}", s.real(last));
    e.expected = fmt::format("a year at or after {} ({}, set at {})", first, s.real(first), s.setting(first).origin.describe());
    e.suggestion = suggestion;
    errors.push_back(e);
  };
  ordered("overdose.period_trend_start", "overdose.period_trend_end",
          "the trend rises from the year after period_trend_start to period_trend_end, then holds");
  ordered("overdose.supply_shortage_start", "overdose.supply_shortage_end",
          "the shortage covers the calendar years from supply_shortage_start to supply_shortage_end");
  for (auto& e : check_local_area(s)) errors.push_back(std::move(e));
  return errors;
}

const ParamTable& standard_parameters() {
  static const ParamTable table = [] {
    ParamTable t;
    declare_run_parameters(t);
    declare_england_parameters(t);
    declare_local_area_parameters(t);
    england::declare_extension_parameters(t);  // engine/model/extensions/
    return t;
  }();
  return table;
}

}  // namespace averted
