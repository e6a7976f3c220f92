// The kernel against exact mathematics: with constant rates the England model is a
// continuous-time Markov chain, so the expected share of people in each state at
// time t is p0 * exp(Q t) (computed with Eigen). Simulated counts must agree within
// 4 standard errors of a multinomial count (N p (1 - p)), week by week, and for any
// step length.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <unsupported/Eigen/MatrixFunctions>
#include <cmath>
#include <variant>

#include "core/simulation.hpp"
#include "model/england_model.hpp"
#include "model/parameters.hpp"

using namespace averted;
using namespace averted::england;

namespace {

Scenario constant_rates(int steps_per_year, bool weekly) {
  Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/testing/constant_rates.yaml", standard_parameters());
  s.set("run.steps_per_year", std::int64_t{steps_per_year}, {});
  s.set("output.weekly", weekly, {});
  return s;
}

// The generator Q (per year) of the chain the constant-rate scenario defines. Built
// from the model's parameters independently of its hazard code.
Eigen::MatrixXd generator(const Parameters& p) {
  const int a = 40;  // any age: the curves are flat
  Eigen::MatrixXd q = Eigen::MatrixXd::Zero(kStateCount, kStateCount);
  const double other_deaths = p.liver[a] + p.copd[a] + p.suicide[a] + p.other[a];
  auto death = [&](State s, double od_multiplier) {
    q(s, kDead) += p.overdose[a] * od_multiplier * p.fatality + other_deaths;
  };
  q(kNotInContact, kHarmReduction) = p.outreach;
  q(kNotInContact, kOst) = p.self_referral;
  q(kHarmReduction, kNotInContact) = p.lose_contact;
  q(kHarmReduction, kOst) = p.referral;
  for (State s : {kNotInContact, kHarmReduction}) {
    q(s, kPrison) = p.imprisonment;
    q(s, kCeased) = p.cessation;
    q(s, kEmigrated) = p.emigration;
    death(s, 1.0);
  }
  q(kOst, kNotInContact) = p.ost_dropout;
  q(kOst, kDoseReduction) = p.voluntary_reduction + p.forced_reduction;
  q(kOst, kResidential) = p.residential_entry;
  q(kOst, kPrison) = p.imprisonment * p.imprisonment_rr_treated;
  q(kOst, kEmigrated) = p.emigration;
  death(kOst, p.rr_ost);
  q(kDoseReduction, kRecovery) = p.reduction_complete;
  q(kDoseReduction, kNotInContact) = p.reduction_failed;
  q(kDoseReduction, kPrison) = p.imprisonment * p.imprisonment_rr_treated;
  q(kDoseReduction, kEmigrated) = p.emigration;
  death(kDoseReduction, p.rr_ost * p.rr_reduction);
  q(kResidential, kRecovery) = p.residential_complete;
  q(kResidential, kNotInContact) = p.residential_dropout;
  q(kResidential, kEmigrated) = p.emigration;
  death(kResidential, p.rr_residential);
  q(kRecovery, kNotInContact) = p.relapse;
  q(kRecovery, kCeased) = p.recovery_cessation;
  q(kRecovery, kEmigrated) = p.emigration;
  death(kRecovery, p.rr_recovery);
  q(kCeased, kDead) = other_deaths;  // people who stop using can still die of other causes
  q(kCeased, kEmigrated) = p.emigration;
  const double linked = p.continuity_of_care.at(2000);
  q(kPrison, kOst) = p.release * linked;
  q(kPrison, kNotInContact) = p.release * (1.0 - linked);
  death(kPrison, p.rr_prison);
  for (int i = 0; i < kStateCount; ++i) q(i, i) = -q.row(i).sum();
  return q;
}

const std::vector<std::int64_t>& ints(const RunOutputs& o, std::size_t t) {
  return std::get<std::vector<std::int64_t>>(o.tables[t]);
}

struct Check {
  int failures = 0, checks = 0;
  double worst = 0.0;
  // Observed count against N p with the multinomial standard error.
  void count(double observed, double n, double p, const std::string& what) {
    ++checks;
    const double se = std::sqrt(n * p * (1.0 - p));
    const double z = se > 0 ? std::abs(observed - n * p) / se : std::abs(observed - n * p);
    worst = std::max(worst, z);
    if (z > 4.0) {
      ++failures;
      ADD_FAILURE() << what << ": observed " << observed << ", expected " << n * p << " (z = " << z << ")";
    }
  }
};

}  // namespace

TEST(Markov, WeeklyOccupancyAndDeathsMatchExactChain) {
  const Scenario s = constant_rates(52, true);
  EnglandModel model(Parameters::from(s));
  const Parameters& p = model.parameters();
  RunSettings settings;
  settings.clock = p.clock;
  settings.key = {777, 0, 0};
  settings.check_invariants = true;
  const RunOutputs out = run_simulation(model, settings);

  const double n = p.initial_size;
  const Eigen::MatrixXd step = (generator(p) * (1.0 / 52.0)).exp();
  Eigen::RowVectorXd prob = Eigen::RowVectorXd::Zero(kStateCount);
  prob(kNotInContact) = 1.0;
  const auto& people = ints(out, EnglandModel::kPeople);   // [week, state, age, sex]
  const auto& deaths = ints(out, EnglandModel::kDeaths);   // [week, cause, age, sex, pathway]
  const std::size_t per_week_people = kStateCount * EnglandModel::kAgeBands * 2;
  const std::size_t per_week_deaths = kCauseCount * EnglandModel::kAgeBands * 2 * kPathwayCount;
  Check check;
  for (int week = 0; week < 104; ++week) {
    if (week > 0) {
      for (int st = 0; st < kStateCount; ++st) {
        if (st == kDead || st == kEmigrated) continue;  // not in the census
        std::int64_t count = 0;
        for (std::size_t k = 0; k < EnglandModel::kAgeBands * 2; ++k) {
          count += people[week * per_week_people + st * EnglandModel::kAgeBands * 2 + k];
        }
        check.count(count, n, prob(st), "week " + std::to_string(week) + " state " + std::string(kStateNames[st]));
      }
    }
    const Eigen::RowVectorXd next = prob * step;
    std::int64_t died = 0;
    for (std::size_t k = 0; k < per_week_deaths; ++k) died += deaths[week * per_week_deaths + k];
    check.count(died, n, next(kDead) - prob(kDead), "deaths in week " + std::to_string(week));
    prob = next;
  }
  EXPECT_EQ(check.failures, 0) << "of " << check.checks << " checks; worst z " << check.worst;
  EXPECT_GT(check.checks, 900);
}

// Events happen in continuous time, so the step length changes nothing but the
// random numbers: yearly occupancy agrees with the chain for 12, 52 and 365 steps.
TEST(Markov, ResultsDoNotDependOnStepLength) {
  for (int steps : {12, 52, 365}) {
    SCOPED_TRACE("steps per year " + std::to_string(steps));
    const Scenario s = constant_rates(steps, false);
    EnglandModel model(Parameters::from(s));
    const Parameters& p = model.parameters();
    RunSettings settings;
    settings.clock = p.clock;
    settings.key = {778, 0, 0};
    const RunOutputs out = run_simulation(model, settings);
    const Eigen::MatrixXd year = generator(p).exp();
    Eigen::RowVectorXd prob = Eigen::RowVectorXd::Zero(kStateCount);
    prob(kNotInContact) = 1.0;
    const auto& people = ints(out, EnglandModel::kPeople);
    const auto& deaths = ints(out, EnglandModel::kDeaths);
    const std::size_t per_year_people = kStateCount * EnglandModel::kAgeBands * 2;
    const std::size_t per_year_deaths = kCauseCount * EnglandModel::kAgeBands * 2 * kPathwayCount;
    Check check;
    const Eigen::RowVectorXd after1 = prob * year;
    for (int st = 0; st < kStateCount; ++st) {
      if (st == kDead || st == kEmigrated) continue;
      std::int64_t count = 0;
      for (std::size_t k = 0; k < EnglandModel::kAgeBands * 2; ++k) {
        count += people[per_year_people + st * EnglandModel::kAgeBands * 2 + k];
      }
      check.count(count, p.initial_size, after1(st), std::string(kStateNames[st]));
    }
    std::int64_t died = 0;
    for (std::size_t k = 0; k < per_year_deaths; ++k) died += deaths[k];
    check.count(died, p.initial_size, after1(kDead), "deaths in the first year");
    EXPECT_EQ(check.failures, 0);
  }
}
