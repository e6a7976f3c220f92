// Calibration (analysis/calibration): targets files and their errors, the mapping from
// model output, likelihoods, posterior files (and refusing corrupt ones), the naive
// forecasts of back-tests, and ABC recovering known parameters from data the model
// itself generated.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <iostream>
#include <filesystem>
#include <fstream>

#include "calibration/abc_smc.hpp"
#include "calibration/backtest.hpp"
#include "calibration/evaluate.hpp"
#include "calibration/posterior.hpp"
#include "calibration/targets.hpp"
#include "model/parameters.hpp"

namespace fs = std::filesystem;
using namespace averted;
using namespace averted::calibration;

namespace {

fs::path temp_file(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("averted_calibration_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

const char* kValidTargets = R"(targets:
  - id: deaths
    label: "Drug deaths"
    unit: deaths
    source: "test"
    geography: England
    primary: true
    likelihood: negative_binomial
    dispersion: 100
    model:
      count: [{table: deaths, select: {cause: [drug_poisoning]}}]
      registration_delay: 0.5
    data:
      - [1995, 1000]
      - [1996, 1100]
  - id: share_young
    label: "Share under 30"
    unit: share
    source: "test"
    geography: England
    likelihood: normal
    model:
      share: {part: [{table: deaths, select: {cause: [drug_poisoning], age_band: [under_20, 20-24, 25-29]}}],
              of: [{table: deaths, select: {cause: [drug_poisoning]}}]}
    data:
      - [1995, 0.5, 0.4, 0.6]
)";

std::string error_of(const std::string& text) {
  try {
    load_targets(temp_file("bad.yaml", text));
  } catch (const ScenarioErrors& e) {
    return e.what();
  }
  return "no error";
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

// A one-table model output: `deaths`-like table year x cause x age_band.
TableSpec toy_table() {
  return {"deaths", "deaths", "", CellType::Int64,
          {{"year", {"1994", "1995", "1996"}}, {"cause", {"drug_poisoning", "liver"}}, {"age_band", {"under_20", "30-34"}}}};
}

}  // namespace

TEST(Targets, TheShippedEnglandFileLoadsAndMatchesTheModel) {
  const TargetSet t = load_targets(fs::path(AVERTED_SOURCE_DIR) / "scenarios/england/targets.yaml");
  ASSERT_GE(t.targets.size(), 8u);
  EXPECT_EQ(t.targets[0].id, "drug_deaths_england");
  EXPECT_TRUE(t.targets[0].primary);
  EXPECT_EQ(t.targets[0].years.front(), 1993);
  EXPECT_EQ(t.hash.size(), 40u);
  const Scenario s = Scenario::defaults(standard_parameters());
  const Evaluator e(s, {}, t);  // throws if a table, dimension or label is unknown
  EXPECT_GT(e.tables().size(), 3u);
}

TEST(Targets, EveryErrorNamesFileLinePathAndAdvice) {
  const std::string unknown = error_of(replace(kValidTargets, "    unit: deaths", "    units: deaths"));
  EXPECT_NE(unknown.find("bad.yaml:4: targets[0].units: unknown key 'units'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("did you mean 'unit'?"), std::string::npos) << unknown;
  const std::string no_model = error_of(replace(kValidTargets,
      "    model:\n      count: [{table: deaths, select: {cause: [drug_poisoning]}}]\n      registration_delay: 0.5\n", ""));
  EXPECT_NE(no_model.find("targets[0].model: 'model' is missing: the mapping from model output to this series must be explicit"),
            std::string::npos) << no_model;
  const std::string no_k = error_of(replace(kValidTargets, "    dispersion: 100\n", ""));
  EXPECT_NE(no_k.find("targets[0].dispersion: negative_binomial needs 'dispersion'"), std::string::npos) << no_k;
  const std::string no_interval = error_of(replace(kValidTargets, "[1995, 0.5, 0.4, 0.6]", "[1995, 0.5]"));
  EXPECT_NE(no_interval.find(":26: targets[1].data[0]: got '[1995, 0.5]'; expected [YEAR, VALUE, LOWER_95, UPPER_95]"),
            std::string::npos) << no_interval;
  const std::string order = error_of(replace(kValidTargets, "[1996, 1100]", "[1995, 1100]"));
  EXPECT_NE(order.find("targets[0].data[1][0]: got '1995'; expected a year after 1995"), std::string::npos) << order;
  const std::string outside = error_of(replace(kValidTargets, "[1995, 0.5, 0.4, 0.6]", "[1995, 0.7, 0.4, 0.6]"));
  EXPECT_NE(outside.find("expected lower < upper with the value between them"), std::string::npos) << outside;

  const TargetSet t = load_targets(temp_file("label.yaml", replace(kValidTargets, "drug_poisoning]}}]\n      registration",
                                                                   "drug_poison]}}]\n      registration")));
  try {
    check_against(t, {toy_table()});
    FAIL() << "an unknown label was accepted";
  } catch (const ScenarioErrors& e) {
    EXPECT_NE(std::string(e.what()).find("targets[0].model.count[0].select.cause: got 'drug_poison'; expected a label of "
                                         "dimension 'cause'; did you mean 'drug_poisoning'?"),
              std::string::npos) << e.what();
  }
}

TEST(Targets, CountsAndSharesFollowTheMappingExactly) {
  const TargetSet t = load_targets(temp_file("ok.yaml", kValidTargets));
  // cells [year][cause][age]: drug deaths 1994: 10+30, 1995: 20+60, 1996: 40+0; liver ignored.
  RunOutputs run;
  run.tables.push_back(std::vector<std::int64_t>{10, 30, 7, 7, 20, 60, 7, 7, 40, 0, 7, 7});
  const auto c = counterparts(t, {toy_table()}, run, 0.1);
  ASSERT_EQ(c.size(), 6u);
  // Registration delay 0.5, population scale 0.1: 1995 = (0.5 x 80 + 0.5 x 40) / 0.1.
  EXPECT_DOUBLE_EQ(c[0], 600.0);
  EXPECT_DOUBLE_EQ(c[1], (0.5 * 40 + 0.5 * 80) / 0.1);
  // Share under 30 in 1995 (no delay on this series): 20 / 80.
  EXPECT_DOUBLE_EQ(c[2], 0.25);
  // Chance variances: Poisson for the count, whose 1995 value mixes two years'
  // independent deaths, 0.5 x 80 + 0.5 x 40, so its variance is 0.5^2 x 80 + 0.5^2 x 40
  // simulated deaths (in England units / 0.1^2), not 60; binomial for the share
  // (0.25 x 0.75 / 80).
  EXPECT_DOUBLE_EQ(c[3], (0.25 * 80 + 0.25 * 40) / 0.01);
  EXPECT_DOUBLE_EQ(c[4], (0.25 * 40 + 0.25 * 80) / 0.01);
  EXPECT_DOUBLE_EQ(c[5], 0.25 * 0.75 / 80);
  // A share with the delay: 1995 is (0.5 x 20 + 0.5 x 10) / (0.5 x 80 + 0.5 x 40) = 0.25,
  // its denominator's chance variance 0.25 x 80 + 0.25 x 40 = 30, so it counts as
  // 60^2 / 30 = 120 cases (not 60): variance 0.25 x 0.75 / 120.
  const TargetSet delayed = load_targets(temp_file(
      "delayed.yaml", replace(kValidTargets, "of: [{table: deaths, select: {cause: [drug_poisoning]}}]}\n",
                              "of: [{table: deaths, select: {cause: [drug_poisoning]}}]}\n      registration_delay: 0.5\n")));
  const auto d = counterparts(delayed, {toy_table()}, run, 0.1);
  EXPECT_DOUBLE_EQ(d[2], 0.25);
  EXPECT_DOUBLE_EQ(d[5], 0.25 * 0.75 / 120);
  // The distance scales each deviance by var_obs / (var_obs + var_chance).
  const double sd = 0.2 / 3.919927969080108;
  const double expected = t.targets[0].deviance(0, c[0]) * (1000 + 1e4) / (1000 + 1e4 + c[3]) +
                          t.targets[0].deviance(1, c[1]) * (1100 + 1100.0 * 1100 / 100) / (1100 + 1100.0 * 1100 / 100 + c[4]) +
                          std::pow((0.5 - 0.25) / sd, 2) * sd * sd / (sd * sd + c[5]);
  EXPECT_NEAR(distance(t, c), expected, 1e-9 * expected);
  EXPECT_NE(t.targets[0].mapping().find("registration delay: 50% of a year's events are counted in the next year"),
            std::string::npos);
}

// A run with no drug deaths in 1995 leaves the share under 30 without a value: those
// parameters cannot reproduce it, so the distance is infinite (never kept), unless the
// share is not fitted (weight 0).
TEST(Targets, AShareWithoutDenominatorMakesTheDistanceInfinite) {
  TargetSet t = load_targets(temp_file("ok.yaml", kValidTargets));
  RunOutputs run;
  run.tables.push_back(std::vector<std::int64_t>{10, 30, 7, 7, 0, 0, 7, 7, 40, 0, 7, 7});
  const auto c = counterparts(t, {toy_table()}, run, 0.1);
  ASSERT_TRUE(std::isnan(c[2]));
  EXPECT_EQ(distance(t, c), std::numeric_limits<double>::infinity());
  t.targets[1].weight = 0;
  EXPECT_TRUE(std::isfinite(distance(t, c)));
}

TEST(Targets, DeviancesAreZeroAtTheObservationAndFollowTheirFormulas) {
  Target t;
  t.value = {100};
  t.lower = {80};
  t.upper = {120};
  for (auto l : {Likelihood::Normal, Likelihood::Poisson, Likelihood::NegativeBinomial}) {
    t.likelihood = l;
    t.dispersion = 10;
    EXPECT_NEAR(t.deviance(0, 100), 0.0, 1e-12);
    EXPECT_GT(t.deviance(0, 90), 0.0);
  }
  t.likelihood = Likelihood::Normal;
  EXPECT_NEAR(t.deviance(0, 110), std::pow(10 / (40 / 3.919927969080108), 2), 1e-9);
  t.likelihood = Likelihood::Poisson;
  EXPECT_NEAR(t.deviance(0, 110), 2 * (100 * std::log(100.0 / 110) + 10), 1e-9);
  // The negative binomial tends to the Poisson as k grows, and is flatter for small k.
  t.likelihood = Likelihood::NegativeBinomial;
  t.dispersion = 1e9;
  EXPECT_NEAR(t.deviance(0, 110), 2 * (100 * std::log(100.0 / 110) + 10), 1e-5);
  t.dispersion = 10;
  EXPECT_LT(t.deviance(0, 110), 2 * (100 * std::log(100.0 / 110) + 10) / 5);
}

TEST(Targets, TheMeanOfReplicatesAveragesValuesAndDividesTheChanceVarianceByTheirNumber) {
  // Two observations: values first, then their chance variances (counterparts()).
  const std::vector<double> a = {100, 0.2, 100, 0.0016}, b = {120, 0.3, 140, 0.0021}, c = {110, 0.1, 90, 0.0011};
  const auto m = mean_of_replicates({a, b, c});
  ASSERT_EQ(m.size(), 4u);
  EXPECT_DOUBLE_EQ(m[0], 110);
  EXPECT_DOUBLE_EQ(m[1], 0.2);
  EXPECT_DOUBLE_EQ(m[2], 110.0 / 3);          // mean variance 110, over 3 runs
  EXPECT_DOUBLE_EQ(m[3], 0.0016 / 3);
  EXPECT_EQ(mean_of_replicates({a}), a);       // one run: unchanged
  EXPECT_THROW(mean_of_replicates({a, {1, 2}}), std::invalid_argument);
}

TEST(Posterior, RoundTripsAndRefusesCorruptOrMismatchedFiles) {
  Posterior p;
  p.method = "test";
  p.scenario_file = "s.yaml", p.scenario_hash = "abc", p.targets_file = "t.yaml", p.targets_hash = "def";
  p.until_year = 2016, p.population_scale = 0.05, p.settings = "particles=2";
  p.paths = {"overdose.cohort_mean_multiplier", "pathway.ost_dropout_rate"};
  p.generation = {0, 0}, p.weight = {0.25, 0.75}, p.distance = {1.5, 2.5};
  p.values = {{0.9, 0.2}, {1.1, 0.3}};
  p.tolerance = {2.5};
  p.chance = {3.25};
  const fs::path file = temp_file("p.csv", "");
  write_posterior(file, p);
  const Posterior q = read_posterior(file);
  EXPECT_EQ(q.chance, p.chance);
  EXPECT_EQ(q.paths, p.paths);
  EXPECT_EQ(q.values, p.values);
  EXPECT_EQ(q.weight, p.weight);
  EXPECT_EQ(q.until_year, 2016);
  const Scenario s = Scenario::defaults(standard_parameters());
  EXPECT_NO_THROW(check_posterior(q, s, file));
  // Resampling: 4 draws from weights 1/4, 3/4 give 1 and 3 (systematic resampling).
  const auto sets = resample(q, 4, 7);
  int first = 0;
  for (const auto& set : sets) first += set[0].second == 0.9;
  EXPECT_EQ(first, 1);

  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto refused = [&](const std::string& body, const std::string& expect) {
    const fs::path bad = temp_file("bad.csv", body);
    try {
      read_posterior(bad);
      ADD_FAILURE() << "accepted: " << expect;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
    }
  };
  refused(text.substr(0, text.find("# end")), "has no end line (it was cut short)");
  refused(replace(text, "1.1000000000000001", "1.2"), "(truncated or edited)");
  refused(replace(text, "# averted-posterior 1", "# something else"), "does not start with the format line");
  refused(replace(text, "0,0.25,", "0,0.25,x,"), "has a row of 6 values; expected 5 values");
  refused(replace(text, "# chance: 3.25", "# chance: 3.25 4"), "has 2 chance values for 1 tolerances");
  // A posterior from before the stopping rule has no chance line, and loads.
  Posterior old = p;
  old.chance.clear();
  write_posterior(file, old);
  EXPECT_TRUE(read_posterior(file).chance.empty());
  // The collapse of the generation after the last is recorded, and only then.
  EXPECT_EQ(read_posterior(file).collapsed, 0.0);
  Posterior collapsed = p;
  collapsed.collapsed = 3.25;
  write_posterior(file, collapsed);
  EXPECT_EQ(read_posterior(file).collapsed, 3.25);
  std::ifstream cin(file);
  const std::string ctext((std::istreambuf_iterator<char>(cin)), std::istreambuf_iterator<char>());
  refused(replace(ctext, "# collapsed: 3.25", "# collapsed: 0.5"), "has '# collapsed: 0.5'");

  Posterior other = q;
  other.paths[1] = "pathway.no_such_rate";
  try {
    check_posterior(other, s, file);
    ADD_FAILURE() << "an unknown parameter was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("posterior parameter 'pathway.no_such_rate' is not a number setting"),
              std::string::npos) << e.what();
  }
}

TEST(Posterior, TheShippedEnglandPosteriorLoadsAndFitsTheEnglandScenarios) {
  const fs::path file = fs::path(AVERTED_SOURCE_DIR) / "scenarios/england/baseline.posterior.csv";
  const Posterior p = read_posterior(file);
  EXPECT_EQ(p.until_year, 2023);
  EXPECT_GE(p.rows(), 50u);
  const Scenario baseline = load_scenario(fs::path(AVERTED_SOURCE_DIR) / "scenarios/england/baseline.yaml",
                                          standard_parameters());
  EXPECT_NO_THROW(check_posterior(p, baseline, file));
  // It was fitted to the shipped targets file as it is now.
  EXPECT_EQ(p.targets_hash, load_targets(fs::path(AVERTED_SOURCE_DIR) / "scenarios/england/targets.yaml").hash);
}

TEST(Backtest, NaiveForecastsAreExactOnSeriesTheyDescribe) {
  Target t;
  t.years = {2010, 2011, 2012, 2013, 2014, 2015, 2016, 2017};
  t.value = {5, 7, 9, 11, 13, 15, 17, 100};
  t.lower.assign(8, NAN), t.upper.assign(8, NAN);
  // A straight line: the trend through 2012-2016 continues it exactly, with a zero-width interval.
  const Forecast trend = linear_trend_forecast(t, 2016, {2017, 2020});
  EXPECT_NEAR(trend.point[0], 19, 1e-9);
  EXPECT_NEAR(trend.point[1], 25, 1e-9);
  EXPECT_NEAR(trend.upper[1] - trend.lower[1], 0, 1e-9);
  // Last value: 17, with +-1.96 sd(changes) sqrt(h); the changes are all 2, so sd 0.
  const Forecast last = last_value_forecast(t, 2016, {2017, 2020});
  EXPECT_EQ(last.point[0], 17);
  EXPECT_EQ(last.point[1], 17);
  t.value = {5, 7, 5, 7, 5, 7, 5, 100};  // changes +-2: sd = 2 x sqrt(7/6)... computed below
  const Forecast wobble = last_value_forecast(t, 2016, {2020});
  double m = 0, ss = 0;
  for (int i = 1; i < 7; ++i) m += (t.value[i] - t.value[i - 1]) / 6;
  for (int i = 1; i < 7; ++i) ss += std::pow(t.value[i] - t.value[i - 1] - m, 2);
  EXPECT_NEAR(wobble.upper[0] - 5, 1.959963984540054 * std::sqrt(ss / 5) * 2, 1e-9);
  // Scores: MAPE and coverage.
  const Score s = score({100, 50}, Forecast{{110, 50}, {90, 60}, {120, 70}});
  EXPECT_NEAR(s.mape, 5.0, 1e-12);
  EXPECT_NEAR(s.coverage, 0.5, 1e-12);
}

// ---------------------------------------------------------------------------------
// Recovery: data generated by the model with known parameter values are fitted from
// priors centred elsewhere; the posterior must centre on the truth.

namespace {

Distribution make(const std::string& path, Distribution::Kind kind, double mean, double sd) {
  Distribution d;
  std::string problem, key, advice;
  EXPECT_TRUE(make_distribution(*standard_parameters().find(path), kind, {{"mean", mean}, {"sd", sd}}, d, problem, key,
                                advice))
      << problem;
  d.source = "test prior";
  return d;
}

Scenario recovery_scenario() {
  Scenario s = Scenario::defaults(standard_parameters());
  s.set("run.end_year", std::int64_t{2006}, {});
  s.set("run.population_scale", 0.02, {});
  s.set_distribution("overdose.cohort_mean_multiplier",
                     make("overdose.cohort_mean_multiplier", Distribution::Kind::Lognormal, 0.9, 0.3), {});
  s.set_distribution("pathway.ost_dropout_rate", make("pathway.ost_dropout_rate", Distribution::Kind::Gamma, 0.3, 0.12), {});
  return s;
}

// Targets with the given values: overdoses (fatal and not) and people in OST on
// 1 January, 1995-2005, each with a +-10% interval.
TargetSet recovery_targets(const std::vector<double>& overdoses, const std::vector<double>& in_ost) {
  TargetSet set;
  set.file = "generated";
  for (int k = 0; k < 2; ++k) {
    Target t;
    t.id = k == 0 ? "overdoses" : "in_ost";
    t.likelihood = Likelihood::Normal;
    t.numerator = {k == 0 ? Term{"overdoses", {}} : Term{"people", {{"state", {"ost"}}}}};
    const auto& v = k == 0 ? overdoses : in_ost;
    for (std::size_t i = 0; i < v.size(); ++i) {
      t.years.push_back(1995 + static_cast<int>(i));
      t.value.push_back(v[i]);
      t.lower.push_back(0.9 * v[i]);
      t.upper.push_back(1.1 * v[i]);
    }
    set.targets.push_back(t);
  }
  return set;
}

// A calibration of two unit costs, which no counterpart depends on, so its distance is
// all chance (small and short, for the stopping-rule tests).
const std::vector<std::string> kBlindPaths = {"costs.ost_per_person_year", "costs.naloxone_kit"};
Scenario blind_scenario() {
  Scenario s = recovery_scenario();
  s.set("run.population_scale", 0.002, {});
  s.set("run.end_year", std::int64_t{1999}, {});
  for (const auto& path : kBlindPaths) s.set_distribution(path, make(path, Distribution::Kind::Gamma, 100, 20), {});
  return s;
}

}  // namespace

TEST(Calibration, RecoversKnownParametersFromModelGeneratedData) {
  const Scenario s = recovery_scenario();
  const std::vector<std::string> paths = {"overdose.cohort_mean_multiplier", "pathway.ost_dropout_rate"};
  const std::vector<double> truth = {1.15, 0.45};
  // The "observed" data: the model at the true values (its own random numbers).
  const std::vector<double> ones(11, 1.0);
  const Evaluator probe(s, paths, recovery_targets(ones, ones));
  const auto generated = probe.evaluate(EvalTask{truth, 987654, 0, 0});
  const std::vector<double> overdoses(generated.begin(), generated.begin() + 11),
      in_ost(generated.begin() + 11, generated.begin() + 22);
  const Evaluator evaluator(s, paths, recovery_targets(overdoses, in_ost));

  AbcSettings abc;
  abc.particles = 30, abc.proposals = 90, abc.generations = 4, abc.seed = 11;
  const Posterior all = abc_smc(evaluator, priors_of(s, paths), abc, Posterior{});
  const Posterior post = all.last_generation();
  ASSERT_EQ(post.rows(), 30u);
  std::cout << all.tolerance.size() << " generations (at most " << abc.generations << ")\n";
  // The tolerance falls generation by generation.
  for (std::size_t g = 1; g < all.tolerance.size(); ++g) EXPECT_LT(all.tolerance[g], all.tolerance[g - 1]);
  for (std::size_t k = 0; k < paths.size(); ++k) {
    double mean = 0, lo = 1e9, hi = -1e9, sq = 0;
    for (std::size_t i = 0; i < post.rows(); ++i) {
      mean += post.weight[i] * post.values[i][k];
      sq += post.weight[i] * post.values[i][k] * post.values[i][k];
      lo = std::min(lo, post.values[i][k]), hi = std::max(hi, post.values[i][k]);
    }
    std::cout << paths[k] << ": truth " << truth[k] << ", posterior mean " << mean << ", sd "
              << std::sqrt(sq - mean * mean) << ", range " << lo << " to " << hi << "\n";
    // Stated tolerance: the posterior mean within 10% of the truth, and the truth
    // inside the posterior's range (the prior means are 22% and 33% away).
    EXPECT_NEAR(mean, truth[k], 0.10 * truth[k]) << paths[k];
    EXPECT_LE(lo, truth[k]) << paths[k];
    EXPECT_GE(hi, truth[k]) << paths[k];
  }
}

// The importance weights undo the proposal kernels: with settings the model's
// counterparts do not depend on (two unit costs), the distances differ only by chance,
// so which proposals are kept says nothing about the parameters and every generation's
// weighted particles must follow the prior. Without the weights the kernels' steps
// pile up generation after generation (the sd nearly triples here); leaving out the
// local kernels' determinants is too small an error (about 5% of the sd) for this test.
TEST(Calibration, WithADistanceBlindToTheParametersThePosteriorIsThePrior) {
  Scenario s = recovery_scenario();
  s.set("run.population_scale", 0.002, {});
  s.set("run.end_year", std::int64_t{1999}, {});
  const std::vector<std::string> paths = {"costs.ost_per_person_year", "costs.naloxone_kit"};
  const double mean[2] = {2000, 30}, sd[2] = {500, 6};
  for (std::size_t k = 0; k < 2; ++k) s.set_distribution(paths[k], make(paths[k], Distribution::Kind::Gamma, mean[k], sd[k]), {});
  const Evaluator evaluator(s, paths, recovery_targets({600, 620, 640, 660}, {9000, 9500, 10000, 10500}));
  AbcSettings abc;
  abc.particles = 300, abc.proposals = 600, abc.generations = 4, abc.seed = 5;
  abc.chance_runs = 0;  // the stopping rule would end this fit after generation 0 (next test)
  const Posterior all = abc_smc(evaluator, priors_of(s, paths), abc, Posterior{});
  ASSERT_EQ(all.tolerance.size(), 4u);
  const Posterior post = all.last_generation();
  const double ess = all.effective_sample_size(abc.generations - 1);
  EXPECT_GT(ess, 100.0);  // the weights have not collapsed onto a few particles
  double sum = 0;
  for (const double w : post.weight) sum += w;
  for (std::size_t k = 0; k < 2; ++k) {
    double m = 0, m2 = 0;
    for (std::size_t i = 0; i < post.rows(); ++i) {
      m += post.weight[i] / sum * post.values[i][k];
      m2 += post.weight[i] / sum * post.values[i][k] * post.values[i][k];
    }
    const double sd_post = std::sqrt(m2 - m * m);
    std::cout << paths[k] << ": prior mean " << mean[k] << " sd " << sd[k] << "; posterior mean " << m << " sd "
              << sd_post << " (effective sample size " << ess << ")\n";
    // Stated tolerance: 4 standard errors for the mean (sd / sqrt(ESS)) and 25% for
    // the sd (about 4 of its standard errors, sd / sqrt(2 ESS), at ESS 100).
    EXPECT_NEAR(m, mean[k], 4 * sd[k] / std::sqrt(ess)) << paths[k];
    EXPECT_NEAR(sd_post, sd[k], 0.25 * sd[k]) << paths[k];
  }
}

// The stopping rule: a fit ends once its tolerance is within the 95th percentile of the
// distances chance gives at its weighted mean, or has stalled, and runs on otherwise.
TEST(Calibration, TheFitEndsOnceItsToleranceIsWithinTheRangeOfChanceOrHasStalled) {
  AbcSettings abc;
  abc.generations = 4;
  Posterior p;
  EXPECT_FALSE(fit_complete(p, abc));  // nothing run yet
  p.tolerance = {500, 200}, p.chance = {300, 250};
  EXPECT_TRUE(fit_complete(p, abc));  // 200 <= 250
  p.chance = {300, 150};
  EXPECT_FALSE(fit_complete(p, abc));  // 200 > 150: another generation narrows the fit
  p.tolerance = {500, 480};
  EXPECT_TRUE(fit_complete(p, abc));  // stalled: 480 is less than 5% below 500
  p.tolerance = {500, 474};
  EXPECT_FALSE(fit_complete(p, abc));  // 5.2% below
  p.tolerance = {500, 200};
  p.chance.clear();
  EXPECT_FALSE(fit_complete(p, abc));  // no rule (--chance-runs 0): every generation
  p.tolerance = {500, 200, 150, 120};
  EXPECT_TRUE(fit_complete(p, abc));  // --generations is the most

  // A distance blind to the parameters (two unit costs) is all chance: the N closest of
  // the first generation are already within chance's range, so the fit ends there.
  const std::vector<std::string>& paths = kBlindPaths;
  const Scenario s = blind_scenario();
  const Evaluator blind(s, paths, recovery_targets({600, 620, 640, 660}, {9000, 9500, 10000, 10500}));
  abc.particles = 20, abc.proposals = 40, abc.chance_runs = 20, abc.seed = 5;
  const Posterior all = abc_smc(blind, priors_of(s, paths), abc, Posterior{});
  ASSERT_EQ(all.tolerance.size(), 1u);
  ASSERT_EQ(all.chance.size(), 1u);
  EXPECT_LE(all.tolerance[0], all.chance[0]);
  EXPECT_TRUE(fit_complete(all, abc));
  // The chance runs have random numbers of their own: the same generation without the
  // rule keeps the same particles, weights and distances.
  abc.chance_runs = 0, abc.generations = 1;
  const Posterior without = abc_smc(blind, priors_of(s, paths), abc, Posterior{});
  EXPECT_EQ(without.values, all.values);
  EXPECT_EQ(without.weight, all.weight);
  EXPECT_EQ(without.distance, all.distance);
  EXPECT_TRUE(without.chance.empty());
}

// A generation whose weights collapse is not kept, and the fit ends with the one before
// it. Forced here by asking for an effective sample size of every particle: generation
// 0's weights are equal, so it stays; generation 1's are not, so it goes.
TEST(Calibration, AGenerationWhoseWeightsCollapseIsNotKept) {
  const std::vector<std::string>& paths = kBlindPaths;
  const Scenario s = blind_scenario();
  const Evaluator blind(s, paths, recovery_targets({600, 620, 640, 660}, {9000, 9500, 10000, 10500}));
  AbcSettings abc;
  abc.particles = 20, abc.proposals = 40, abc.generations = 2, abc.chance_runs = 0, abc.seed = 5, abc.threads = 2;
  abc.checkpoint = temp_file("collapse.csv", "");
  const Posterior kept = abc_smc(blind, priors_of(s, paths), abc, Posterior{});
  ASSERT_EQ(kept.tolerance.size(), 2u);  // by default generation 1 of this fit is kept
  EXPECT_EQ(kept.collapsed, 0.0);
  abc.min_effective_share = 1.0;
  const Posterior all = abc_smc(blind, priors_of(s, paths), abc, Posterior{});
  ASSERT_EQ(all.tolerance.size(), 1u);
  EXPECT_GE(all.collapsed, 1.0);
  EXPECT_LT(all.collapsed, 20.0);
  EXPECT_TRUE(fit_complete(all, abc));
  // A fit resumed from its checkpoint ends at once, with the same posterior.
  abc.resume = true;
  const Posterior resumed = abc_smc(blind, priors_of(s, paths), abc, Posterior{});
  EXPECT_EQ(resumed.values, all.values);
  EXPECT_EQ(resumed.collapsed, all.collapsed);
  // The posterior is generation 0, as a one-generation fit gives it.
  abc.resume = false, abc.checkpoint.clear(), abc.generations = 1;
  const Posterior first = abc_smc(blind, priors_of(s, paths), abc, Posterior{});
  EXPECT_EQ(all.values, first.values);
  EXPECT_EQ(all.weight, first.weight);
}

TEST(Calibration, ResultsDoNotDependOnThreadsAndAResumedFitEndsWhereAnUninterruptedOneDoes) {
  // A quarter of the recovery test's population: identity holds at any size, and the
  // test runs under ThreadSanitizer.
  Scenario s = recovery_scenario();
  s.set("run.population_scale", 0.005, {});
  const std::vector<std::string> paths = {"overdose.cohort_mean_multiplier", "pathway.ost_dropout_rate"};
  const Evaluator evaluator(s, paths, recovery_targets(std::vector<double>(11, 1500), std::vector<double>(11, 40000)));
  std::vector<EvalTask> tasks;
  for (std::uint32_t i = 0; i < 6; ++i) tasks.push_back({{0.8 + 0.05 * i, 0.2 + 0.02 * i}, 5, i, 1});
  EXPECT_EQ(evaluator.evaluate(tasks, 1), evaluator.evaluate(tasks, 2));

  AbcSettings abc;
  abc.particles = 6, abc.proposals = 12, abc.generations = 3, abc.seed = 3, abc.threads = 2;
  abc.chance_runs = 4;  // the rule's runs in parallel too, at a third of the proposals' cost
  const Posterior whole = abc_smc(evaluator, priors_of(s, paths), abc, Posterior{});
  ASSERT_GE(whole.tolerance.size(), 2u);  // more than the generation before the interruption below
  abc.checkpoint = temp_file("resume.checkpoint", "");
  fs::remove(abc.checkpoint);
  abc.stop_after = 1;
  abc.threads = 1;
  const Posterior part = abc_smc(evaluator, priors_of(s, paths), abc, Posterior{});
  EXPECT_EQ(part.tolerance.size(), 1u);
  abc.stop_after = 0;
  abc.resume = true;
  const Posterior resumed = abc_smc(evaluator, priors_of(s, paths), abc, Posterior{});
  EXPECT_EQ(resumed.values, whole.values);
  EXPECT_EQ(resumed.weight, whole.weight);
  EXPECT_EQ(resumed.tolerance, whole.tolerance);
  EXPECT_EQ(resumed.chance, whole.chance);
}

TEST(Calibration, AFailedModelRunFailsTheBatchNamingItsKeyAndValues) {
  const Scenario s = recovery_scenario();
  const std::vector<std::string> paths = {"overdose.cohort_mean_multiplier", "pathway.ost_dropout_rate"};
  const Evaluator evaluator(s, paths, recovery_targets(std::vector<double>(11, 1500), std::vector<double>(11, 40000)));
  // The second task has one value too few (evaluate() refuses it).
  const std::vector<EvalTask> tasks = {{{0.9, 0.3}, 5, 0, 1}, {{0.95}, 5, 1, 1}};
  try {
    evaluator.evaluate(tasks, 2);
    FAIL() << "a failed run must fail the batch";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(),
                 "the model run with seed 5, draw 1, replicate 1 (overdose.cohort_mean_multiplier = 0.95) failed: "
                 "a task needs one value per calibrated parameter");
  }
}

TEST(Calibration, ReplicatesAreDistinctRunsAndAProposalIsScoredByTheirMean) {
  Scenario s = recovery_scenario();
  s.set("run.population_scale", 0.005, {});
  const std::vector<std::string> paths = {"overdose.cohort_mean_multiplier", "pathway.ost_dropout_rate"};
  const Evaluator evaluator(s, paths, recovery_targets(std::vector<double>(11, 1500), std::vector<double>(11, 40000)));

  // The keys: run r of set i is (seed, i + r x sets, slot); one replicate keeps (seed, i, slot).
  const std::vector<std::vector<double>> sets = {{0.9, 0.3}, {1.0, 0.35}, {1.1, 0.4}};
  const auto tasks = replicated_tasks(sets, 7, 2, 2);
  ASSERT_EQ(tasks.size(), 6u);
  for (std::uint32_t k = 0; k < 6; ++k) {
    EXPECT_EQ(tasks[k].values, sets[k % 3]);
    EXPECT_EQ(tasks[k].seed, 7u);
    EXPECT_EQ(tasks[k].draw, k);
    EXPECT_EQ(tasks[k].replicate, 2u);
  }
  EXPECT_THROW(replicated_tasks(sets, 7, 2, 0), std::invalid_argument);
  EXPECT_THROW(replicated_tasks(sets, 7, 2, 21846), std::invalid_argument);  // 3 x 21846 > 65535 runs

  // One generation keeping every proposal: each particle's distance is that of the
  // mean of its two runs, which differ from each other.
  AbcSettings abc;
  abc.particles = 4, abc.proposals = 4, abc.generations = 2, abc.seed = 3, abc.threads = 2, abc.replicates = 2;
  abc.chance_runs = 0;  // no stopping rule: both generations are compared after the resume
  const Posterior whole = abc_smc(evaluator, priors_of(s, paths), abc, Posterior{});
  for (std::uint32_t i = 0; i < 4; ++i) {
    ASSERT_EQ(whole.generation[i], 0u);
    const auto first = evaluator.evaluate(EvalTask{whole.values[i], 3, i, 1});
    const auto second = evaluator.evaluate(EvalTask{whole.values[i], 3, i + 4, 1});
    EXPECT_NE(first, second) << "the replicates of proposal " << i << " must be different runs";
    const double expected = distance(evaluator.targets(), mean_of_replicates({first, second}));
    EXPECT_EQ(whole.distance[i], expected) << i;
    EXPECT_NE(whole.distance[i], distance(evaluator.targets(), first)) << i;
  }

  // The same on one thread, and after stopping and resuming; a checkpoint made with
  // another number of replicates is refused.
  abc.checkpoint = temp_file("replicates.checkpoint", "");
  fs::remove(abc.checkpoint);
  abc.threads = 1, abc.stop_after = 1;
  EXPECT_EQ(abc_smc(evaluator, priors_of(s, paths), abc, Posterior{}).tolerance.size(), 1u);
  abc.stop_after = 0, abc.resume = true, abc.replicates = 3;
  EXPECT_THROW(abc_smc(evaluator, priors_of(s, paths), abc, Posterior{}), std::runtime_error);
  abc.replicates = 2;
  const Posterior resumed = abc_smc(evaluator, priors_of(s, paths), abc, Posterior{});
  EXPECT_EQ(resumed.values, whole.values);
  EXPECT_EQ(resumed.weight, whole.weight);
  EXPECT_EQ(resumed.distance, whole.distance);
  EXPECT_EQ(resumed.tolerance, whole.tolerance);
}
