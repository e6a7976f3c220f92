// The England model against the evidence it was built from (first checks; the
// England-model issue adds one per lever and risk window).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <utility>
#include <variant>
#include <vector>

#include "core/simulation.hpp"
#include "model/england_model.hpp"
#include "model/parameters.hpp"

using namespace averted;
using namespace averted::england;

namespace {

const Scenario& baseline() {
  static const Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/england/baseline.yaml", standard_parameters());
  return s;
}

// One replicate of the baseline at 20% of England, shared by the tests below.
const RunOutputs& baseline_run() {
  static const RunOutputs out = [] {
    Scenario s = baseline();
    s.set("run.population_scale", 0.2, {});
    auto model = make_model(s);
    RunSettings settings;
    settings.clock = clock_from(s);
    settings.key = {static_cast<std::uint32_t>(s.integer("run.seed")), 0, 0};
    return run_simulation(*model, settings);
  }();
  return out;
}

const std::vector<std::int64_t>& ints(std::size_t table) {
  return std::get<std::vector<std::int64_t>>(baseline_run().tables[table]);
}

// Deaths summed to [year][cause][age band].
double deaths(int year, int cause, int band) {
  const auto& d = std::get<std::vector<std::int64_t>>(baseline_run().tables[EnglandModel::kDeaths]);
  const int y = year - static_cast<int>(baseline().integer("run.start_year"));
  const std::size_t per_band = 2 * kPathwayCount;
  const std::size_t start = ((static_cast<std::size_t>(y) * kCauseCount + cause) * EnglandModel::kAgeBands + band) * per_band;
  return std::accumulate(d.begin() + start, d.begin() + start + per_band, 0.0);
}

}  // namespace

// The shipped baseline states every default of the parameter table, with its source,
// so the file a policy analyst reads is the model that runs.
TEST(EnglandBaseline, FileHoldsEveryTableDefault) {
  for (const auto& spec : standard_parameters().all()) {
    if (spec.path.rfind("scenario.", 0) == 0) continue;
    const Setting& set = baseline().setting(spec.path);
    EXPECT_TRUE(set.value == spec.default_value) << spec.path << " differs from its declared default; "
                                                 << "regenerate with `averted params --format yaml`";
    EXPECT_FALSE(set.origin.file.empty()) << spec.path << " is missing from baseline.yaml";
    EXPECT_FALSE(spec.source.empty()) << spec.path << " has no source";
  }
}

// Lewer et al. 2022: drug poisoning is about 60% of deaths at ages 25-29 and under 10%
// at 60-64 in this cohort. Tolerance: 25-29 within 0.45-0.75; 60-64 below 0.15
// (a few hundred deaths per band over 2010-2018 at 20% scale).
TEST(EnglandBaseline, DrugPoisoningShareFallsWithAgeAsLewer2022) {
  double drug_young = 0, all_young = 0, drug_old = 0, all_old = 0;
  for (int year = 2010; year <= 2018; ++year) {
    for (int c = 0; c < kCauseCount; ++c) {
      all_young += deaths(year, c, 2);  // 25-29
      all_old += deaths(year, c, 9);    // 60-64
    }
    drug_young += deaths(year, kCauseDrug, 2);
    drug_old += deaths(year, kCauseDrug, 9);
  }
  ASSERT_GT(all_young, 100);
  ASSERT_GT(all_old, 100);
  EXPECT_GT(drug_young / all_young, 0.45);
  EXPECT_LT(drug_young / all_young, 0.75);
  EXPECT_LT(drug_old / all_old, 0.15);
}

// The cohort ages: the age band with the most drug-poisoning deaths moves up
// (ONS heroin/morphine deaths peaked at 20-29 in 2001, 40-49 from 2017).
TEST(EnglandBaseline, PeakAgeOfDrugDeathsMovesUp) {
  auto peak_band = [](int year) {
    int best = 0;
    for (int b = 1; b < EnglandModel::kAgeBands; ++b) {
      if (deaths(year, kCauseDrug, b) > deaths(year, kCauseDrug, best)) best = b;
    }
    return best;
  };
  EXPECT_LT(peak_band(1995), peak_band(2010));
  EXPECT_LT(peak_band(2010), peak_band(2025));
}

// Pierce et al. 2016 (England, 2005-09): drug-related poisoning deaths out of
// treatment versus in opioid agonist treatment, aHR 1.73 (95% CI 1.55-1.92). The
// simulated ratio of rates over 2005-2009, windows included, must fall in that CI.
TEST(EnglandBaseline, OutOfTreatmentDeathRateRatioAsPierce2016) {
  const auto& d = ints(EnglandModel::kDeaths);
  const auto& py = std::get<std::vector<double>>(baseline_run().tables[EnglandModel::kPersonYears]);
  double out_deaths = 0, in_deaths = 0, out_py = 0, in_py = 0;
  for (int year = 2005; year <= 2009; ++year) {
    const std::size_t y = static_cast<std::size_t>(year - baseline().integer("run.start_year"));
    for (std::size_t rest = 0; rest < EnglandModel::kAgeBands * 2; ++rest) {
      const std::size_t base = ((y * kCauseCount + kCauseDrug) * EnglandModel::kAgeBands * 2 + rest) * kPathwayCount;
      for (Pathway p : {kPwNotInContact, kPwHarmReduction, kPwWaiting, kPwLeftTreatment4Weeks, kPwRelapsed4Weeks}) {
        out_deaths += d[base + p];
      }
      for (Pathway p : {kPwOstFirst4Weeks, kPwOst, kPwDoseReduction}) in_deaths += d[base + p];
    }
    out_py += py[y * kStateCount + kNotInContact] + py[y * kStateCount + kHarmReduction] + py[y * kStateCount + kWaiting];
    in_py += py[y * kStateCount + kOst] + py[y * kStateCount + kDoseReduction];
  }
  ASSERT_GT(in_deaths, 200);
  const double ratio = (out_deaths / out_py) / (in_deaths / in_py);
  EXPECT_GT(ratio, 1.55);
  EXPECT_LT(ratio, 1.92);
}

// Merrall et al. 2010 (UK): drug-related deaths in weeks 1-2 after release are 7.5
// (5.7-9.9) times those of weeks 3-12, per week at risk. Compared per week over all
// years (the people at risk barely change within 12 weeks).
TEST(EnglandBaseline, DeathsAfterReleaseAsMerrall2010) {
  const auto& w = ints(EnglandModel::kDeathsSinceRelease);
  double weeks12 = 0, weeks3to12 = 0;
  for (std::size_t k = 0; k < w.size(); ++k) {
    (k % EnglandModel::kWeeksAfterRelease < 2 ? weeks12 : weeks3to12) += w[k];
  }
  ASSERT_GT(weeks3to12, 150);
  const double ratio = (weeks12 / 2) / (weeks3to12 / 10);
  EXPECT_GT(ratio, 5.7);
  EXPECT_LT(ratio, 9.9);
}

// Before calibration, the cohort's drug-poisoning deaths should be within 25% of the
// ONS England drug-misuse series over 2005-2016 (mean absolute percentage error;
// ons_eng_drug_misuse_deaths_registered). Deaths involving opioids are most of the
// drug-misuse series; the all-drug poisoning series also counts deaths with no opioid.
TEST(EnglandBaseline, DrugDeathsWithin25PercentOfOns2005To2016) {
  const std::map<int, double> ons = {{2005, 1567}, {2006, 1523}, {2007, 1668}, {2008, 1862},
                                     {2009, 1826}, {2010, 1734}, {2011, 1582}, {2012, 1492},
                                     {2013, 1812}, {2014, 2120}, {2015, 2300}, {2016, 2386}};
  double ape = 0;
  for (const auto& [year, observed] : ons) {
    double simulated = 0;
    for (int b = 0; b < EnglandModel::kAgeBands; ++b) simulated += deaths(year, kCauseDrug, b);
    ape += std::abs(simulated / 0.2 / observed - 1.0);  // the run is 20% of England
  }
  EXPECT_LT(ape / static_cast<double>(ons.size()), 0.25);
}

// A pair of settings that contradict each other is reported naming both.
TEST(EnglandParameters, EndYearBeforeStartYearNamesBothSettings) {
  Scenario s = baseline();
  s.set("run.start_year", std::int64_t{2000}, {"a.yaml", 3});
  s.set("run.end_year", std::int64_t{1999}, {"b.yaml", 7});
  const auto errors = check_consistency(s);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file, "b.yaml");
  EXPECT_EQ(errors[0].line, 7);
  EXPECT_EQ(errors[0].yaml_path, "run.end_year");
  EXPECT_NE(errors[0].format().find("run.start_year (2000, set at a.yaml:3)"), std::string::npos) << errors[0].format();
  EXPECT_TRUE(check_consistency(baseline()).empty());
}

// The overdose period trend compounds once a year from the year after its start to its
// end, then holds: a fitted trend is not carried on beyond the data unless asked. The
// heroin shortage multiplies the rates of its calendar years on top of the trend, and
// the model's hazards change at each year where the product changes.
TEST(EnglandParameters, OverdosePeriodTrendRisesThenHoldsAndTheShortageMultipliesItsYears) {
  Scenario s = baseline();
  s.set("overdose.period_trend", 1.1, {});
  s.set("overdose.period_trend_start", 2012.0, {});
  s.set("overdose.period_trend_end", 2015.0, {});
  s.set("overdose.supply_shortage", 0.6, {});
  s.set("overdose.supply_shortage_start", 2011.0, {});
  s.set("overdose.supply_shortage_end", 2012.0, {});
  Parameters p = Parameters::from(s);
  auto level = [&](int year) { return p.overdose_period.at(static_cast<std::size_t>(year - p.clock.start_year)); };
  auto changes_at = [&](int year) {
    return std::count(p.change_times.begin(), p.change_times.end(), double(year - p.clock.start_year)) > 0;
  };
  EXPECT_DOUBLE_EQ(level(2000), 1.0);
  EXPECT_DOUBLE_EQ(level(2010), 1.0);
  EXPECT_DOUBLE_EQ(level(2011), 0.6);
  EXPECT_DOUBLE_EQ(level(2012), 0.6);
  EXPECT_DOUBLE_EQ(level(2013), 1.1);
  EXPECT_DOUBLE_EQ(level(2015), 1.1 * 1.1 * 1.1);
  EXPECT_DOUBLE_EQ(level(2016), level(2015));
  EXPECT_DOUBLE_EQ(level(2030), level(2015));
  for (int y : {2011, 2013, 2014, 2015}) EXPECT_TRUE(changes_at(y)) << y;
  for (int y : {2010, 2012}) EXPECT_FALSE(changes_at(y)) << y;  // (other settings add years of their own)
  // A shortage inside the trend's years multiplies the trend's level.
  s.set("overdose.supply_shortage_start", 2013.0, {});
  s.set("overdose.supply_shortage_end", 2014.0, {});
  p = Parameters::from(s);
  EXPECT_DOUBLE_EQ(level(2012), 1.0);
  EXPECT_DOUBLE_EQ(level(2013), 1.1 * 0.6);
  EXPECT_DOUBLE_EQ(level(2014), 1.1 * 1.1 * 0.6);
  EXPECT_DOUBLE_EQ(level(2015), 1.1 * 1.1 * 1.1);
  // Neither with no trend and no shortage: every year at 1, no change.
  s.set("overdose.period_trend", 1.0, {});
  s.set("overdose.supply_shortage", 1.0, {});
  p = Parameters::from(s);
  for (int y = p.clock.start_year; y < p.clock.end_year; ++y) EXPECT_EQ(level(y), 1.0) << y;

  s.set("overdose.period_trend_end", 2010.0, {"c.yaml", 4});
  s.set("overdose.supply_shortage_end", 2012.0, {"d.yaml", 9});
  const auto errors = check_consistency(s);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].yaml_path, "overdose.period_trend_end");
  EXPECT_EQ(errors[1].yaml_path, "overdose.supply_shortage_end");
  EXPECT_EQ(errors[1].line, 9);
}

// The age gradient raises the overdose curve's ratio to its age-40 value to a power:
// 1 leaves the published curve, 0 flattens it to the age-40 rate, 2 squares each ratio.
TEST(EnglandParameters, OverdoseAgeGradientScalesTheCurvesRatioToAge40) {
  Scenario s = baseline();
  auto overdose_with = [&](double gradient) {
    s.set("overdose.age_gradient", gradient, {});
    return Parameters::from(s).overdose;
  };
  const auto published = overdose_with(1.0), flat = overdose_with(0.0), steep = overdose_with(2.0);
  const double per_overdose = 1e-5 / s.real("overdose.cohort_mean_multiplier") / s.real("overdose.fatality");
  const Series& curve = s.series("mortality.drug_poisoning");
  const double at40 = curve.at(40.0) * per_overdose;
  for (int a : {20, 25, 33, 40, 47, 55, 63}) {
    EXPECT_NEAR(published[a], curve.at(a + 0.5) * per_overdose, 1e-12 * at40) << "age " << a;
    EXPECT_NEAR(flat[a], at40, 1e-12 * at40) << "age " << a;
    EXPECT_NEAR(steep[a] / at40, std::pow(published[a] / at40, 2.0), 1e-12) << "age " << a;
  }
  EXPECT_LT(steep[20], published[20]);  // the curve rises to 40, so squaring lowers the young
}

namespace {

// Births (run time) of the starting population and of the entrants of one step in
// 1990, built by hand with the given initiation-age shift (same random numbers).
std::vector<float> births_with_shift(double shift) {
  Scenario s = baseline();
  s.set("population.initial_size", 2000.0, {});
  s.set("run.population_scale", 1.0, {});
  s.set("population.initiation_age_shift", shift, {});
  EnglandModel model(Parameters::from(s));
  Population pop;
  model.add_columns(pop);
  Tally tally(model.outputs());
  RandomStreams random{StreamKey{5, 0, 0}};
  StepContext start{pop, random, tally, model.parameters().clock, 0};
  model.initialise(start);
  StepContext step{pop, random, tally, model.parameters().clock, 10 * 52};  // first week of 1990
  model.begin_step(step);
  std::vector<float> births;
  for (PersonId i = 0; i < pop.size(); ++i) births.push_back(pop.data(model.person_column())[i].birth);
  return births;
}

}  // namespace

// population.initiation_age_shift adds its years to every point of the initiation-age
// series; at its default of 0 the series (and so every run) is exactly the baseline's.
TEST(EnglandParameters, InitiationAgeShiftMovesTheSeries) {
  const Series& given = baseline().series("population.initiation_age");
  EXPECT_EQ(Parameters::from(baseline()).initiation_age, given);  // exact: 0 changes nothing
  Scenario s = baseline();
  s.set("population.initiation_age_shift", -2.5, {});
  const Series shifted = Parameters::from(s).initiation_age;
  ASSERT_EQ(shifted.keys, given.keys);
  for (const double year : {1980.0, 1990.0, 2004.5, 2019.0, 2030.0}) {
    EXPECT_DOUBLE_EQ(shifted.at(year), given.at(year) - 2.5) << year;
  }
}

// The age at starting use is the inverse of a normal CDF truncated at 12: checked
// against that CDF written independently (erfc), on a grid of uniforms, for a narrow
// and a wide spread, a median near the floor and one far above it.
TEST(EnglandParameters, AgeAtStartingUseIsANormalTruncatedAt12) {
  const auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  for (const auto& [median, sd] : std::vector<std::pair<double, double>>{{22, 6}, {20, 9}, {13, 10}, {40, 3}}) {
    const double below = phi((12 - median) / sd);
    double previous = 12;
    for (int k = 1; k < 1000; ++k) {
      const double u = k / 1000.0;
      const double age = age_at_starting_use(median, sd, u);
      EXPECT_GT(age, previous) << median << " " << sd << " " << u;  // increasing: no pile-up at 12
      EXPECT_NEAR((phi((age - median) / sd) - below) / (1 - below), u, 1e-9) << median << " " << sd << " " << u;
      previous = age;
    }
  }
  // Far above the floor the truncation does not matter: the median is the median.
  EXPECT_NEAR(age_at_starting_use(40, 3, 0.5), 40.0, 1e-9);
  // Degenerate inputs: no spread; the whole normal below 12; u at the ends of (0, 1).
  EXPECT_EQ(age_at_starting_use(22, 0, 0.3), 22.0);
  EXPECT_EQ(age_at_starting_use(5, 0, 0.3), 12.0);
  EXPECT_EQ(age_at_starting_use(-60, 0.5, 0.9), 12.0);
  EXPECT_TRUE(std::isfinite(age_at_starting_use(22, 6, 0x1p-32)));
  EXPECT_TRUE(std::isfinite(age_at_starting_use(22, 6, 1 - 0x1p-32)));
  EXPECT_GE(age_at_starting_use(22, 6, 0x1p-32), 12.0);
}

// With the same random numbers, a shift of 3 years makes each person of the starting
// population and each entrant older at entry (born earlier) by at most 3 years:
// exactly 3 for a normal, a little less because the shift also moves the median away
// from the floor of 12, which then cuts off less of the distribution.
TEST(EnglandParameters, InitiationAgeShiftMakesEntrantsOlderByTheShift) {
  const std::vector<float> base = births_with_shift(0.0);
  const std::vector<float> older = births_with_shift(3.0);
  ASSERT_EQ(base.size(), older.size());
  ASSERT_GT(base.size(), 2000u + 200u);  // the starting 2,000 and a 1990 week's entrants (about 300)
  double total = 0;
  for (std::size_t i = 0; i < base.size(); ++i) {
    const double moved = static_cast<double>(base[i]) - older[i];
    EXPECT_GE(moved, -1e-4) << i;
    EXPECT_LE(moved, 3.0 + 1e-4) << i;
    total += moved;
  }
  // Median 22 and sd 6 (the floor cuts off 4.8%; 0.7% at median 25): the average move
  // is 2.606 years (sd 0.42) over a fine grid of uniforms; the sample's (about 2,300
  // people), within four of its standard errors.
  EXPECT_NEAR(total / static_cast<double>(base.size()), 2.606, 0.035);
  EXPECT_EQ(births_with_shift(0.0), base);  // and the draw is reproducible
}
