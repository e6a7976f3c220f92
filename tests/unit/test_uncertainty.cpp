// Parameter uncertainty and scenario comparison: distributions in scenario files
// (parsing, errors, round trip), parameter draws (the same in every scenario, from the
// right distribution), summaries (interval coverage on a case known analytically),
// common random numbers (a scenario identical to the baseline averts exactly 0 deaths
// in every pair), resume and --until-precision.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>

#include "core/random.hpp"
#include "model/parameters.hpp"
#include "uncertainty/compare.hpp"
#include "uncertainty/parameter_draws.hpp"
#include "uncertainty/results_reader.hpp"

using namespace averted;
namespace fs = std::filesystem;

namespace {

// Equal element by element, NaN equal to NaN (an undefined ratio is a result too).
bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (!(a[k] == b[k] || (std::isnan(a[k]) && std::isnan(b[k])))) return false;
  }
  return true;
}

}  // namespace

namespace {

const std::string kData = AVERTED_SOURCE_DIR "/tests/unit/uncertainty/";

fs::path temp_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("averted_uncertainty_" + std::to_string(getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Writes a scenario extending the shipped baseline and loads it.
fs::path write_file(const fs::path& dir, const std::string& name, const std::string& text) {
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

std::vector<ScenarioError> errors_of(const fs::path& p) {
  try {
    load_scenario(p, standard_parameters());
  } catch (const ScenarioErrors& e) {
    return e.errors();
  }
  return {};
}

std::string one_error(const std::string& body) {
  const fs::path dir = temp_dir("errors");
  const fs::path p = write_file(dir, "s.yaml", body);
  const auto errors = errors_of(p);
  EXPECT_EQ(errors.size(), 1u) << body;
  return errors.empty() ? std::string() : errors.front().format();
}

Scenario load(const std::string& name) { return load_scenario(kData + name, standard_parameters()); }

}  // namespace

// ---------------------------------------------------------------------------------
// Distributions in scenario files

TEST(Distribution, FormsGiveTheRightParametersAndMean) {
  const ParamSpec& prob = *standard_parameters().find("overdose.fatality");
  const ParamSpec& rate = *standard_parameters().find("pathway.ost_dropout_rate");
  Distribution d;
  std::string problem, key, advice;
  ASSERT_TRUE(make_distribution(prob, Distribution::Kind::Beta, {{"mean", 0.2}, {"sd", 0.1}}, d, problem, key, advice));
  EXPECT_NEAR(d.p1, 3.0, 1e-12);  // k = 0.16 / 0.01 - 1 = 15: alpha 3, beta 12
  EXPECT_NEAR(d.p2, 12.0, 1e-12);
  EXPECT_NEAR(d.mean(), 0.2, 1e-15);
  ASSERT_TRUE(make_distribution(rate, Distribution::Kind::Gamma, {{"mean", 0.25}, {"sd", 0.05}}, d, problem, key, advice));
  EXPECT_NEAR(d.p1, 25.0, 1e-9);
  EXPECT_NEAR(d.mean(), 0.25, 1e-15);
  ASSERT_TRUE(make_distribution(rate, Distribution::Kind::Gamma, {{"shape", 4}, {"rate", 8}}, d, problem, key, advice));
  EXPECT_NEAR(d.mean(), 0.5, 1e-15);
  ASSERT_TRUE(make_distribution(rate, Distribution::Kind::Lognormal, {{"mean", 0.3}, {"sd", 0.1}}, d, problem, key, advice));
  EXPECT_NEAR(d.mean(), 0.3, 1e-12);
  ASSERT_TRUE(make_distribution(rate, Distribution::Kind::Uniform, {{"min", 0.1}, {"max", 0.5}}, d, problem, key, advice));
  EXPECT_NEAR(d.quantile(0.25), 0.2, 1e-15);
  ASSERT_TRUE(make_distribution(rate, Distribution::Kind::Normal, {{"mean", 1}, {"sd", 0.1}}, d, problem, key, advice));
  EXPECT_NEAR(d.quantile(0.5), 1.0, 1e-12);
}

TEST(Distribution, ScenarioValueIsTheMeanAndTheMergedYamlReadsBack) {
  const Scenario s = load("small_baseline.yaml");
  const Setting& f = s.setting("overdose.fatality");
  ASSERT_TRUE(f.distribution.has_value());
  EXPECT_EQ(f.distribution->kind, Distribution::Kind::Beta);
  EXPECT_NEAR(s.real("overdose.fatality"), 0.067, 1e-15);
  EXPECT_EQ(f.distribution->source, "test: beta around EMCDDA case fatality");
  EXPECT_TRUE(s.uncertain());
  const fs::path dir = temp_dir("roundtrip");
  const fs::path p = write_file(dir, "merged.yaml", s.merged_yaml());
  const Scenario back = load_scenario(p, standard_parameters());
  EXPECT_EQ(back.hash(), s.hash());
  EXPECT_EQ(*back.setting("overdose.fatality").distribution, *f.distribution);
  // The hash sees the distribution.
  Scenario plain = s;
  plain.set("overdose.fatality", 0.067, {});
  EXPECT_NE(plain.hash(), s.hash());
}

TEST(Distribution, APlainValueInAChildFileRemovesTheBasesDistribution) {
  const fs::path dir = temp_dir("child");
  write_file(dir, "child.yaml", "extends: " + kData + "small_baseline.yaml\noverdose:\n  fatality: 0.05\n");
  const Scenario s = load_scenario(dir / "child.yaml", standard_parameters());
  EXPECT_FALSE(s.setting("overdose.fatality").distribution.has_value());
  EXPECT_EQ(s.real("overdose.fatality"), 0.05);
  EXPECT_TRUE(s.setting("pathway.ost_dropout_rate").distribution.has_value());
}

TEST(Distribution, ErrorsNameFileLinePathValueExpectedAndAdvice) {
  std::string e = one_error("overdose:\n  fatality: {distribution: betta, mean: 0.07, sd: 0.01, source: x}\n");
  EXPECT_NE(e.find("s.yaml:2: overdose.fatality.distribution: got 'betta'; expected one of: fixed, beta, gamma, "
                   "lognormal, normal, uniform; did you mean 'beta'?"),
            std::string::npos)
      << e;
  e = one_error("overdose:\n  fatality: {distribution: beta, mean: 0.07, sd: 0.01}\n");
  EXPECT_NE(e.find("s.yaml:2: overdose.fatality: the distribution has no source"), std::string::npos) << e;
  EXPECT_NE(e.find("add source:"), std::string::npos) << e;
  e = one_error("overdose:\n  fatality:\n    distribution: beta\n    mean: 0.5\n    sd: 0.6\n    source: x\n");
  EXPECT_NE(e.find("s.yaml:5: overdose.fatality.sd: sd 0.6 is too large for a beta distribution with mean 0.5"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("sd must be below sqrt(mean x (1 - mean)) = 0.5"), std::string::npos) << e;
  e = one_error("pathway:\n  ost_dropout_rate: {distribution: normal, mean: 0.25, sd: 0.1, source: x}\n");
  EXPECT_NE(e.find("overdose") == std::string::npos ? e.find("pathway.ost_dropout_rate: the normal distribution "
                                                             "reaches (0.0001st percentile)")
                                                    : std::string::npos,
            std::string::npos)
      << e;
  EXPECT_NE(e.find("use gamma or lognormal"), std::string::npos) << e;
  e = one_error("overdose:\n  fatality: {distribution: beta, mean: 0.07, sdd: 0.01, source: x}\n");
  EXPECT_NE(e.find("overdose.fatality.sdd: 'sdd' is not a parameter of a beta distribution"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'sd'?"), std::string::npos) << e;
  e = one_error("overdose:\n  fatality: {distribution: gamma, mean: 0.07, source: x}\n");
  EXPECT_NE(e.find("give mean and sd, shape and scale, or shape and rate"), std::string::npos) << e;
  e = one_error("prison:\n  continuity_of_care: {distribution: beta, mean: 0.5, sd: 0.1, source: x}\n");
  EXPECT_NE(e.find("s.yaml:2: prison.continuity_of_care: a distribution cannot be given here"), std::string::npos) << e;
  EXPECT_NE(e.find("not on a series"), std::string::npos) << e;
  e = one_error("run:\n  seed: {distribution: uniform, min: 1, max: 5, source: x}\n");
  EXPECT_NE(e.find("a distribution is allowed on number settings only; this one is integer"), std::string::npos) << e;
  e = one_error("overdose:\n  fatality: {distribution: beta, mean: 7%, sd: 0.01, source: x}\n");
  EXPECT_NE(e.find("overdose.fatality.mean: got '7%'; expected a number"), std::string::npos) << e;
  e = one_error("overdose:\n  fatality: {mean: 0.07, sd: 0.01, source: x}\n");
  EXPECT_NE(e.find("the kind of distribution is missing"), std::string::npos) << e;
}

// ---------------------------------------------------------------------------------
// Parameter draws

TEST(ParameterDraws, StreamIdsAreUniqueAndDrawsDependOnSeedDrawAndPathOnly) {
  EXPECT_NO_THROW(check_parameter_stream_ids(standard_parameters()));
  const double u = parameter_uniform(1, 3, "overdose.fatality");
  EXPECT_EQ(u, parameter_uniform(1, 3, "overdose.fatality"));
  EXPECT_NE(u, parameter_uniform(1, 4, "overdose.fatality"));
  EXPECT_NE(u, parameter_uniform(2, 3, "overdose.fatality"));
  EXPECT_NE(u, parameter_uniform(1, 3, "overdose.rr_in_ost"));
  // Never one of the kernel's numbers: decision 2 is reserved for parameter draws.
  const RandomStreams streams({1, 3, 0});
  EXPECT_NE(u, streams.uniforms(Decision{1}, parameter_stream_id("overdose.fatality"), 0, 0)[0]);
}

TEST(ParameterDraws, DrawDIsTheSameInEveryScenario) {
  const Scenario base = load("small_baseline.yaml"), lever = load("small_prison75.yaml");
  for (std::uint32_t d = 0; d < 5; ++d) {
    const Scenario a = sample_parameters(base, 42, d), b = sample_parameters(lever, 42, d);
    EXPECT_EQ(a.real("overdose.fatality"), b.real("overdose.fatality"));
    EXPECT_EQ(a.real("pathway.ost_dropout_rate"), b.real("pathway.ost_dropout_rate"));
    EXPECT_NE(a.real("overdose.fatality"), base.real("overdose.fatality"));
    EXPECT_EQ(a.real("overdose.rr_in_ost"), base.real("overdose.rr_in_ost"));  // not uncertain: unchanged
  }
  EXPECT_NE(sample_parameters(base, 42, 0).real("overdose.fatality"),
            sample_parameters(base, 42, 1).real("overdose.fatality"));
}

TEST(ParameterDraws, DrawsFollowTheDistribution) {
  // 4,000 draws of beta(mean 0.067, sd 0.01): Kolmogorov-Smirnov distance below 0.03
  // (the 1% critical value is 0.026), mean within 4 standard errors, sd within 5%.
  const Scenario base = load("small_baseline.yaml");
  const Distribution& dist = *base.setting("overdose.fatality").distribution;
  const boost::math::beta_distribution<> beta(dist.p1, dist.p2);
  std::vector<double> x;
  for (std::uint32_t d = 0; d < 4000; ++d) x.push_back(dist.quantile(parameter_uniform(7, d, "overdose.fatality")));
  std::sort(x.begin(), x.end());
  double ks = 0, sum = 0, ss = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double F = boost::math::cdf(beta, x[i]);
    ks = std::max({ks, std::fabs(F - static_cast<double>(i) / x.size()), std::fabs(F - (i + 1.0) / x.size())});
    sum += x[i];
    ss += x[i] * x[i];
  }
  const double mean = sum / x.size(), sd = std::sqrt(ss / x.size() - mean * mean);
  EXPECT_LT(ks, 0.03);
  EXPECT_NEAR(mean, 0.067, 4 * 0.01 / std::sqrt(4000.0));
  EXPECT_NEAR(sd, 0.01, 0.0005);
}

// ---------------------------------------------------------------------------------
// Summaries: interval coverage where the answer is known analytically

TEST(Summaries, IntervalsCoverTheKnownAnswer) {
  // The outcome is a linear function of one parameter plus chance:
  //   deaths(d, r) = 100 + 1000 theta_d + eps(d, r),  theta ~ beta(mean 0.067, sd 0.01),
  // eps ~ normal(0, 5) independent. So E[deaths] = 167 exactly, and the 2.5% and 97.5%
  // quantiles of deaths are known (computed here by integrating over theta). Over 400
  // independent experiments of 40 draws x 2 replicates, mean +- 1.96 MCSE must cover
  // 167 in about 95% of them (binomial: within 4 standard errors), and the 95%
  // interval's ends must average out near the true quantiles.
  const ParamSpec& spec = *standard_parameters().find("overdose.fatality");
  Distribution theta;
  std::string problem, key, advice;
  ASSERT_TRUE(make_distribution(spec, Distribution::Kind::Beta, {{"mean", 0.067}, {"sd", 0.01}}, theta, problem,
                                key, advice));
  const boost::math::normal z;
  const std::uint32_t D = 40, R = 2, experiments = 400;
  int covered = 0;
  double lower_sum = 0, upper_sum = 0;
  for (std::uint32_t k = 0; k < experiments; ++k) {
    std::vector<RunReduction> runs;
    const RandomStreams noise({1000 + k, 0, 0});
    for (std::uint32_t d = 0; d < D; ++d) {
      const double th = theta.quantile(parameter_uniform(1000 + k, d, "overdose.fatality"));
      for (std::uint32_t r = 0; r < R; ++r) {
        const double eps = 5.0 * boost::math::quantile(z, noise.uniforms(Decision{99}, d, r)[0]);
        runs.push_back({{100 + 1000 * th + eps}, {}, {}});
      }
    }
    const Summaries sm = summarise({"only"}, D, R, runs, {2000}, 2000, 2000);
    const SummaryTable& t = sm.tables.front();
    ASSERT_EQ(t.name, "deaths");
    const double mean = t.at(0, 0, 0), se = t.at(0, 0, 4);
    covered += std::fabs(mean - 167.0) < 1.96 * se;
    lower_sum += t.at(0, 0, 2);
    upper_sum += t.at(0, 0, 3);
  }
  const double rate = static_cast<double>(covered) / experiments;
  EXPECT_NEAR(rate, 0.95, 4 * std::sqrt(0.95 * 0.05 / experiments)) << covered << " of " << experiments;
  // True quantiles of 100 + 1000 theta + eps, by bisection on the mixture's CDF.
  const boost::math::beta_distribution<> beta(theta.p1, theta.p2);
  std::vector<double> grid;  // theta at 2,000 equally likely points
  for (int i = 0; i < 2000; ++i) grid.push_back(boost::math::quantile(beta, (i + 0.5) / 2000));
  auto cdf = [&](double x) {
    double c = 0;
    for (const double th : grid) c += boost::math::cdf(z, (x - 100 - 1000 * th) / 5.0);
    return c / static_cast<double>(grid.size());
  };
  auto true_quantile = [&](double p) {
    double lo = 100, hi = 300;
    for (int i = 0; i < 40; ++i) (cdf((lo + hi) / 2) < p ? lo : hi) = (lo + hi) / 2;
    return lo;
  };
  // Sample quantiles of 80 values are biased inwards a little; 2 deaths is about 1/5
  // of the quantiles' spread between experiments, and a wrong interval (e.g. one
  // ignoring the parameter draws, 167 +- 10) is off by 10.
  EXPECT_NEAR(lower_sum / experiments, true_quantile(0.025), 2.0);
  EXPECT_NEAR(upper_sum / experiments, true_quantile(0.975), 2.0);
}

TEST(Summaries, MonteCarloStandardErrorUsesDrawsAsUnits) {
  // One draw: sd / sqrt(n). Several: sd of the draw means / sqrt(draws).
  EXPECT_NEAR(monte_carlo_se({1, 2, 3, 4}, 1, 4), std::sqrt(5.0 / 3.0) / 2.0, 1e-12);
  EXPECT_NEAR(monte_carlo_se({1, 3, 5, 7}, 2, 2), std::sqrt(8.0) / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(quantile({1, 2, 3, 4, 5}, 0.25), 2.0, 1e-12);
  EXPECT_NEAR(quantile({1, 2}, 0.975), 1.975, 1e-12);
}

// ---------------------------------------------------------------------------------
// The comparison, end to end

namespace {

CompareRequest small_request(const fs::path& out, std::vector<std::string> files, std::uint32_t draws,
                             std::uint32_t replicates) {
  CompareRequest req;
  for (const auto& f : files) req.ensemble.scenarios.push_back(load(f));
  req.ensemble.master_seed = 20260401;
  req.ensemble.draws = draws;
  req.ensemble.sample_parameters = true;
  req.ensemble.replicates = replicates;
  req.ensemble.output = out;
  req.ensemble.threads = 2;
  req.from_year = 2026;
  req.to_year = 2030;
  return req;
}

}  // namespace

TEST(Compare, AScenarioIdenticalToTheBaselineAvertsExactlyZeroInEveryPair) {
  const fs::path dir = temp_dir("pairing");
  const CompareResult r = run_comparison(
      small_request(dir / "c.h5", {"small_baseline.yaml", "small_prison75.yaml", "small_same.yaml"}, 3, 2));
  ASSERT_TRUE(r.complete);
  const Summaries& sm = *r.summaries;
  const std::size_t pairs = 3 * 2;
  bool lever_differs = false;
  for (std::size_t i = 0; i < pairs; ++i) {
    EXPECT_EQ(sm.averted_pairs[2 * pairs + i], 0.0) << "pair " << i;  // same as baseline
    EXPECT_EQ(sm.averted_pairs[0 * pairs + i], 0.0);                  // the comparator itself
    lever_differs |= sm.averted_pairs[1 * pairs + i] != 0.0;
  }
  EXPECT_TRUE(lever_differs);
  for (const auto& t : sm.tables) {
    if (t.name == "deaths") continue;
    for (std::size_t p = 0; p < t.periods.size(); ++p) {
      for (std::size_t k = 0; k < 6; ++k) {
        if (t.name == "cost_effectiveness") {
          EXPECT_TRUE(std::isnan(t.at(2, p, k))) << "no deaths averted: cost per death averted is undefined";
        } else {
          EXPECT_EQ(t.at(2, p, k), k == 5 ? 6.0 : 0.0) << t.name;
        }
      }
    }
  }
  EXPECT_TRUE(fs::exists(dir / "c.h5"));
  EXPECT_EQ(r.csv_files.size(), 6u);  // deaths, averted, life-years, extra cost, cost-effectiveness, pairs
  for (const auto& f : r.csv_files) EXPECT_TRUE(fs::exists(f)) << f;
}

TEST(Compare, AnInterruptedComparisonResumesToTheSameResults) {
  const fs::path dir = temp_dir("resume");
  const std::vector<std::string> files = {"small_baseline.yaml", "small_prison75.yaml"};
  const CompareResult full = run_comparison(small_request(dir / "full.h5", files, 2, 2));
  CompareRequest part = small_request(dir / "part.h5", files, 2, 2);
  part.ensemble.stop_after = 3;
  const CompareResult stopped = run_comparison(part);
  EXPECT_FALSE(stopped.complete);
  EXPECT_FALSE(fs::exists(dir / "part.h5"));
  EXPECT_TRUE(fs::exists(dir / "part.h5.partial"));
  part.ensemble.stop_after = 0;
  part.ensemble.resume = true;
  const CompareResult resumed = run_comparison(part);
  ASSERT_TRUE(resumed.complete);
  EXPECT_EQ(resumed.ensemble.skipped, 3u);
  EXPECT_EQ(resumed.ensemble.runs.size(), 5u);
  for (std::size_t t = 0; t < full.summaries->tables.size(); ++t) {
    EXPECT_TRUE(same_values(full.summaries->tables[t].values, resumed.summaries->tables[t].values))
        << full.summaries->tables[t].name;
  }
  EXPECT_EQ(full.summaries->averted_pairs, resumed.summaries->averted_pairs);
  const auto tables = ensemble_layout(part.ensemble).tables;
  const ResultsReader a(dir / "full.h5"), b(dir / "part.h5");
  for (std::uint32_t s = 0; s < 2; ++s) {
    for (std::uint32_t d = 0; d < 2; ++d) {
      for (std::uint32_t r = 0; r < 2; ++r) {
        EXPECT_TRUE(a.read_run(tables, s, d, r).tables == b.read_run(tables, s, d, r).tables);
      }
    }
  }
}

TEST(Compare, EachParameterDrawReachesTheModel) {
  // Deaths rise with the drawn overdose.rr_injecting: rank correlation over 30 draws.
  const fs::path dir = temp_dir("propagation");
  CompareRequest req = small_request(dir / "l.h5", {"linear_death_rate.yaml"}, 30, 1);
  req.from_year = req.to_year = 0;
  const CompareResult r = run_comparison(req);
  ASSERT_TRUE(r.complete);
  const auto tables = ensemble_layout(req.ensemble).tables;
  const ResultsReader reader(dir / "l.h5");
  std::vector<double> theta, deaths;
  for (std::uint32_t d = 0; d < 30; ++d) {
    theta.push_back(sample_parameters(req.ensemble.scenarios[0], req.ensemble.master_seed, d).real("overdose.rr_injecting"));
    deaths.push_back(reduce_run(tables, reader.read_run(tables, 0, d, 0)).deaths.front());
  }
  auto ranks = [](const std::vector<double>& v) {
    std::vector<double> r(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      for (std::size_t j = 0; j < v.size(); ++j) r[i] += v[j] < v[i];
    }
    return r;
  };
  const auto a = ranks(theta), b = ranks(deaths);
  double d2 = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d2 += (a[i] - b[i]) * (a[i] - b[i]);
  const double rho = 1 - 6 * d2 / (30.0 * (30 * 30 - 1));
  EXPECT_GT(rho, 0.7);
}

TEST(Compare, UntilPrecisionStopsAtTheTargetOrTheCapAndWritesThatManyReplicates) {
  const fs::path dir = temp_dir("precision");
  const std::vector<std::string> files = {"small_baseline.yaml", "small_prison75.yaml"};
  CompareRequest easy = small_request(dir / "easy.h5", files, 1, 1);
  easy.ensemble.sample_parameters = false;
  easy.until_precision = 1e9;
  const CompareResult a = run_comparison(easy);
  ASSERT_TRUE(a.complete);
  EXPECT_TRUE(a.precision_reached);
  EXPECT_EQ(a.replicates, 5u);  // the minimum
  EXPECT_EQ(ResultsReader(dir / "easy.h5").replicates(), 5u);
  EXPECT_FALSE(fs::exists(dir / "easy.h5.replicates.partial"));
  EXPECT_FALSE(fs::exists(dir / "easy.h5.replicates"));

  CompareRequest hard = easy;
  hard.ensemble.output = dir / "hard.h5";
  hard.until_precision = 1e-9;
  hard.max_replicates = 6;
  const CompareResult b = run_comparison(hard);
  ASSERT_TRUE(b.complete);
  EXPECT_FALSE(b.precision_reached);
  EXPECT_EQ(b.replicates, 6u);
  // The same runs as a plain comparison with that many replicates.
  CompareRequest plain = easy;
  plain.until_precision = 0;
  plain.ensemble.replicates = 6;
  plain.ensemble.output = dir / "plain.h5";
  const CompareResult c = run_comparison(plain);
  EXPECT_EQ(b.summaries->averted_pairs, c.summaries->averted_pairs);
  for (std::size_t t = 0; t < c.summaries->tables.size(); ++t) {
    EXPECT_TRUE(same_values(b.summaries->tables[t].values, c.summaries->tables[t].values)) << c.summaries->tables[t].name;
  }
}
