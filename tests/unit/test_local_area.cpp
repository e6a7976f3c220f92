// Local areas (docs/local-areas.md): a commissioner's figures become the model's inputs
// exactly as documented, inconsistent figures are refused with both settings named,
// an area that is 1% of England behaves as 1% of England (same deaths per user, wider
// intervals by the square root of the size ratio), an age profile re-weights birth
// cohorts, and the shipped local scenarios load and run.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <variant>

#include "core/simulation.hpp"
#include "run/limits.hpp"
#include "model/england_model.hpp"
#include "model/local_area.hpp"
#include "model/parameters.hpp"

using namespace averted;
using namespace averted::england;
namespace fs = std::filesystem;

namespace {

Scenario baseline() {
  return load_scenario(AVERTED_SOURCE_DIR "/scenarios/england/baseline.yaml", standard_parameters());
}

RunOutputs run(const Scenario& s, std::uint32_t seed, std::uint32_t replicate) {
  auto model = make_model(s);
  RunSettings settings;
  settings.clock = clock_from(s);
  settings.key = {seed, 0, replicate};
  return run_simulation(*model, settings);
}

// Drug-poisoning deaths in calendar years [from, to].
double drug_deaths(const RunOutputs& out, int from, int to) {
  const auto& d = std::get<std::vector<std::int64_t>>(out.tables[EnglandModel::kDeaths]);
  const std::size_t per_cause = EnglandModel::kAgeBands * 2 * kPathwayCount;
  double n = 0;
  for (int y = from - 1980; y <= to - 1980; ++y) {
    const std::size_t start = (static_cast<std::size_t>(y) * kCauseCount + kCauseDrug) * per_cause;
    n += std::accumulate(d.begin() + start, d.begin() + start + per_cause, 0.0);
  }
  return n;
}

// Living people on 1 January of `year` in age bands [first_band, last_band] (5-year
// bands: 0 is under 20, 1 is 20-24, ..., 10 is 65 or over), all states.
double people(const RunOutputs& out, int year, int first_band, int last_band) {
  const auto& p = std::get<std::vector<std::int64_t>>(out.tables[EnglandModel::kPeople]);
  double n = 0;
  for (int s = 0; s < kStateCount; ++s) {
    for (int b = first_band; b <= last_band; ++b) {
      const std::size_t i = ((static_cast<std::size_t>(year - 1980) * kStateCount + s) * EnglandModel::kAgeBands + b) * 2;
      n += static_cast<double>(p[i] + p[i + 1]);
    }
  }
  return n;
}

struct Sample {
  double mean = 0, sd = 0;
  int n = 0;
};
Sample sample(const std::vector<double>& x) {
  Sample s;
  s.n = static_cast<int>(x.size());
  s.mean = std::accumulate(x.begin(), x.end(), 0.0) / s.n;
  for (double v : x) s.sd += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(s.sd / (s.n - 1));
  return s;
}

// England at 10% and a local area of 10% of England's users (simulated one for one),
// 1980-2017, for comparisons on 1 January 2017.
std::pair<Scenario, Scenario> england_and_ten_percent_area() {
  Scenario england = baseline();
  england.set("run.population_scale", 0.1, {});
  england.set("run.end_year", std::int64_t{2018}, {});
  Scenario local = england;
  local.set("run.population_scale", 1.0, {});
  local.set("local_area.opiate_crack_users", 31397.1, {});
  return {england, local};
}

// A scenario file in a fresh folder, extending the shipped England baseline.
fs::path write_scenario(const std::string& name, const std::string& body) {
  const fs::path dir = fs::temp_directory_path() / "averted_test_local_area";
  fs::create_directories(dir);
  const fs::path file = dir / name;
  std::ofstream(file) << "extends: " << AVERTED_SOURCE_DIR << "/scenarios/england/baseline.yaml\n" << body;
  return file;
}

}  // namespace

// Every local_area default is England's own figure: England's runs are unchanged.
TEST(LocalArea, DefaultsDescribeEngland) {
  const Scenario s = baseline();
  const LocalArea a = LocalArea::from(s);
  EXPECT_FALSE(a.is_local);
  EXPECT_EQ(a.population_fraction, 1.0);
  EXPECT_EQ(a.treatment_entry_rr, 1.0);
  EXPECT_EQ(a.imprisonment_rr, 1.0);
  EXPECT_EQ(a.max_cohort_weight, 1.0);
  EXPECT_EQ(a.cohort_weight(1960), 1.0);
  EXPECT_EQ(local_area_summary(s), "");
  const Parameters p = Parameters::from(s);
  EXPECT_EQ(p.population_fraction, p.scale);
}

// The documented arithmetic (docs/local-areas.md), checked to rounding.
TEST(LocalArea, FiguresBecomeModelInputsAsDocumented) {
  Scenario s = baseline();
  s.set("local_area.name", std::string("Test borough"), {});
  s.set("local_area.opiate_crack_users", 1500.0, {});
  s.set("local_area.england_opiate_crack_users", 300000.0, {});
  s.set("local_area.share_in_treatment", 0.3, {});
  s.set("local_area.england_share_in_treatment", 0.6, {});
  s.set("local_area.prison_releases_per_100_users", 30.0, {});
  s.set("local_area.england_prison_releases_per_100_users", 15.0, {});
  s.set("local_area.age_profile", Series{Series::Interp::Step, {15, 25, 35}, {0.1, 0.25, 0.65}}, {});
  s.set("local_area.england_age_profile", Series{Series::Interp::Step, {15, 25, 35}, {0.05, 0.2, 0.75}}, {});
  s.set("local_area.year", 2017.0, {});
  s.set("run.population_scale", 2.0, {});
  EXPECT_TRUE(check_consistency(s).empty());
  const LocalArea a = LocalArea::from(s);
  EXPECT_TRUE(a.is_local);
  EXPECT_DOUBLE_EQ(a.population_fraction, 0.005);
  EXPECT_DOUBLE_EQ(a.treatment_odds_ratio, (0.3 / 0.7) / (0.6 / 0.4));
  // The entry multiplier moves the pathway chain's odds of being in treatment by that ratio.
  EXPECT_NEAR(pathway_treatment_odds(s, a.treatment_entry_rr, 2017) / pathway_treatment_odds(s, 1.0, 2017),
              a.treatment_odds_ratio, 1e-9);
  EXPECT_LT(a.treatment_entry_rr, a.treatment_odds_ratio);  // other routes into treatment need a stronger push
  EXPECT_DOUBLE_EQ(a.imprisonment_rr, 2.0);
  EXPECT_DOUBLE_EQ(a.max_cohort_weight, 2.0);
  EXPECT_DOUBLE_EQ(a.cohort_weight(2017 - 20), 2.0);    // aged 20 in 2017: band 15-24
  EXPECT_DOUBLE_EQ(a.cohort_weight(2017 - 10), 2.0);    // too young to count: youngest band
  EXPECT_DOUBLE_EQ(a.cohort_weight(2017 - 30), 1.25);   // 25-34
  EXPECT_DOUBLE_EQ(a.cohort_weight(2017 - 50), 0.65 / 0.75);
  const Parameters base = Parameters::from(baseline());
  const Parameters p = Parameters::from(s);
  EXPECT_DOUBLE_EQ(p.population_fraction, 2.0 * 0.005);
  EXPECT_DOUBLE_EQ(p.scale, 2.0);  // places and kits: the area's own numbers, times the scale
  EXPECT_DOUBLE_EQ(p.self_referral, base.self_referral * a.treatment_entry_rr);
  EXPECT_DOUBLE_EQ(p.referral, base.referral * a.treatment_entry_rr);
  EXPECT_DOUBLE_EQ(p.imprisonment, base.imprisonment * 2.0);
  const std::string summary = local_area_summary(s);
  EXPECT_NE(summary.find("Test borough"), std::string::npos);
  EXPECT_NE(summary.find("0.5% of England"), std::string::npos) << summary;
}

// Contradictory figures are refused before any work, naming file, line and both settings.
TEST(LocalArea, InconsistentFiguresAreRefusedWithBothSettingsNamed) {
  const fs::path file = write_scenario("inconsistent.yaml",
                                       "local_area:\n"
                                       "  name: Nowhere\n"
                                       "  opiate_crack_users: 400000\n"
                                       "  age_profile: {15: 0.2, 25: 0.3, 35: 0.6}\n"
                                       "  england_age_profile: {15: 0.2, 35: 0.8}\n"
                                       "levers:\n"
                                       "  capacity:\n"
                                       "    ost_places: 500000\n");
  const Scenario s = load_scenario(file, standard_parameters());
  const auto errors = check_consistency(s);
  ASSERT_EQ(errors.size(), 4u);
  std::string all;
  for (const auto& e : errors) {
    EXPECT_EQ(e.file, file.string());
    EXPECT_GT(e.line, 0);
    all += e.format() + "\n";
  }
  EXPECT_NE(all.find("inconsistent.yaml:4: local_area.opiate_crack_users: got '400000'; expected at most England's "
                     "figure, local_area.england_opiate_crack_users = 313971"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find(":5: local_area.age_profile: got '{15: 0.2, 25: 0.3, 35: 0.6}'; expected shares adding up to 1 "
                     "(they add up to 1.1)"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("expected the same age bands as local_area.england_age_profile ({15: 0.2, 35: 0.8}, set at"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find(":9: levers.capacity.ost_places: got '500000'; expected at most the area's users"), std::string::npos)
      << all;
  EXPECT_NE(all.find("places are the area's own, not England's"), std::string::npos) << all;
}

// Issue 11, point 4: an area that is 1% of England, simulated one person per person,
// against England at 10%. Deaths per user agree: the difference of the two means (per
// unit of population) is within 4 standard errors, from replicate variances. The
// relative spread of a 5-year death count grows by the square root of the size ratio,
// sqrt(10) = 3.16: the ratio of coefficients of variation must lie within 3 standard
// errors of the log ratio of two sample SDs (sqrt(1 / 2(n1 - 1) + 1 / 2(n2 - 1)): 0.164
// for 24 and 100 replicates, so 3.16 / 1.63 to 3.16 x 1.63). Equal widths (ratio 1)
// fail. (With 12 England replicates, 3 standard errors were a factor of 1.96, and a
// model change once drew an England sample whose SD was a third of Poisson's.)
TEST(LocalArea, OnePercentAreaScalesAgainstEnglandAndIntervalsWiden) {
  Scenario national = baseline();
  national.set("run.population_scale", 0.1, {});
  Scenario local = baseline();
  local.set("local_area.name", std::string("One percent"), {});
  local.set("local_area.opiate_crack_users", 3139.71, {});  // 1% of 313,971
  std::vector<double> nat, loc;
  for (std::uint32_t r = 0; r < 24; ++r) nat.push_back(drug_deaths(run(national, 101, r), 2026, 2030));
  for (std::uint32_t r = 0; r < 100; ++r) loc.push_back(drug_deaths(run(local, 202, r), 2026, 2030));
  const Sample n = sample(nat), l = sample(loc);
  ASSERT_GT(l.mean, 50);  // enough deaths for the normal approximations above
  const double per_n = n.mean / 0.1, per_l = l.mean / 0.01;
  const double se = std::sqrt(std::pow(n.sd / 0.1, 2) / n.n + std::pow(l.sd / 0.01, 2) / l.n);
  EXPECT_LT(std::abs(per_n - per_l), 4 * se) << "England-scale deaths 2026-2030: from the 10% run " << per_n
                                             << ", from the 1% area " << per_l << " (standard error " << se << ")";
  const double ratio = (l.sd / l.mean) / (n.sd / n.mean);
  RecordProperty("england_scale_deaths_from_10pct", std::to_string(per_n));
  RecordProperty("england_scale_deaths_from_1pct_area", std::to_string(per_l));
  RecordProperty("cv_ratio", std::to_string(ratio));
  const double factor = std::exp(3 * std::sqrt(1.0 / (2 * (n.n - 1)) + 1.0 / (2 * (l.n - 1))));
  EXPECT_GT(ratio, std::sqrt(10.0) / factor) << "relative spread: area " << l.sd / l.mean << ", England " << n.sd / n.mean;
  EXPECT_LT(ratio, std::sqrt(10.0) * factor) << "relative spread: area " << l.sd / l.mean << ", England " << n.sd / n.mean;
}

// An age profile re-weights birth cohorts: on 1 January of the profile's year, the
// area's people in each band over England's (same simulated fraction) equal the band's
// weight, within 4 standard errors (Poisson counts of both runs).
TEST(LocalArea, AgeProfileReweightsBirthCohorts) {
  auto [england, local] = england_and_ten_percent_area();
  local.set("local_area.age_profile", Series{Series::Interp::Step, {15, 25, 35}, {0.1, 0.25, 0.65}}, {});
  local.set("local_area.england_age_profile", Series{Series::Interp::Step, {15, 25, 35}, {0.05, 0.2, 0.75}}, {});
  local.set("local_area.year", 2017.0, {});
  const RunOutputs e = run(england, 7, 0), a = run(local, 8, 0);
  struct Band {
    int first, last;
    double weight;
  };
  for (const Band& b : {Band{0, 1, 2.0}, Band{2, 3, 1.25}, Band{4, 10, 0.65 / 0.75}}) {
    const double ne = people(e, 2017, b.first, b.last), na = people(a, 2017, b.first, b.last);
    ASSERT_GT(ne, 100);
    const double ratio = na / ne;
    const double se = b.weight * std::sqrt(1 / na + 1 / ne);
    EXPECT_NEAR(ratio, b.weight, 4 * se) << "bands " << b.first << "-" << b.last << ": area " << na << ", England " << ne;
  }
}

// Starting treatment is multiplied so that the care pathway's Markov chain moves its
// odds of being in treatment by the area's odds ratio. The full model (ageing, risk
// windows, deaths by age) must follow: halving the share in treatment (0.6 -> 0.3, odds
// ratio 0.286) must move the simulated odds of being in treatment among people using
// (OST, dose reduction, residential against not in contact, harm reduction, waiting)
// on 1 January 2017 to within 10% of 0.286 (two runs of 10% of England: counts of
// thousands, sampling error about 3%; the rest is the chain's approximation; measured
// 0.282).
TEST(LocalArea, TreatmentShareMovesSimulatedTreatmentOdds) {
  auto [england, local] = england_and_ten_percent_area();
  local.set("local_area.share_in_treatment", 0.3, {});
  auto treated_odds = [](const RunOutputs& out) {
    const auto& p = std::get<std::vector<std::int64_t>>(out.tables[EnglandModel::kPeople]);
    auto count = [&](int s) {
      double n = 0;
      for (int b = 0; b < EnglandModel::kAgeBands; ++b) {
        const std::size_t i = ((static_cast<std::size_t>(2017 - 1980) * kStateCount + s) * EnglandModel::kAgeBands + b) * 2;
        n += static_cast<double>(p[i] + p[i + 1]);
      }
      return n;
    };
    const double in = count(kOst) + count(kDoseReduction) + count(kResidential);
    const double out_of = count(kNotInContact) + count(kHarmReduction) + count(kWaiting);
    return in / out_of;
  };
  const double target = (0.3 / 0.7) / (0.6 / 0.4);
  const double ratio = treated_odds(run(local, 5, 0)) / treated_odds(run(england, 6, 0));
  EXPECT_NEAR(ratio, target, 0.1 * target) << "simulated odds ratio " << ratio << ", the area's " << target;
}

// A local area with an age profile (candidates thinned by birth cohort) gives the same
// results bit for bit on 1 and 2 threads.
TEST(LocalArea, BitIdenticalForAnyThreadCount) {
  Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/local/merton.yaml", standard_parameters());
  s.set("local_area.age_profile", Series{Series::Interp::Step, {15, 25, 35}, {0.1, 0.25, 0.65}}, {});
  s.set("local_area.england_age_profile", Series{Series::Interp::Step, {15, 25, 35}, {0.05, 0.2, 0.75}}, {});
  RunOutputs out[2];
  for (int threads : {1, 2}) {
    auto model = make_model(s);
    RunSettings settings;
    settings.clock = clock_from(s);
    settings.key = {3, 0, 0};
    settings.threads = threads;
    out[threads - 1] = run_simulation(*model, settings);
  }
  ASSERT_EQ(out[0].tables.size(), out[1].tables.size());
  for (std::size_t t = 0; t < out[0].tables.size(); ++t) EXPECT_TRUE(out[0].tables[t] == out[1].tables[t]) << "table " << t;
}

// The shipped local scenarios (every .yaml but the calibration targets) load, are consistent, describe a local area, and a
// forecast of one (1980-2031) takes seconds: the engine's own up-front estimate (the
// one `averted run` refuses a grid by) is under 2 s of one core per run.
TEST(LocalArea, ShippedScenariosLoadAndRunInSeconds) {
  int found = 0;
  for (const auto& entry : fs::directory_iterator(AVERTED_SOURCE_DIR "/scenarios/local")) {
    const std::string stem = entry.path().stem().string();
    if (entry.path().extension() != ".yaml" || stem.ends_with("_targets")) continue;  // targets: not scenarios
    ++found;
    const Scenario s = load_scenario(entry.path(), standard_parameters());
    EXPECT_TRUE(check_consistency(s).empty()) << entry.path();
    EXPECT_TRUE(LocalArea::from(s).is_local) << entry.path();
    EXPECT_LT(estimate_resources({s}, 1, 1, 1).seconds, 2.0) << entry.path();
    EXPECT_GT(drug_deaths(run(s, 1, 0), 2010, 2019), 0) << entry.path();
  }
  EXPECT_GE(found, 3);
}
