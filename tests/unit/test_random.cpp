// Counter-based random numbers: pure functions of key and counter.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/random.hpp"

using namespace averted;

TEST(Random, SameKeyAndCounterGiveSameNumbers) {
  const RandomStreams a({42, 3, 7}), b({42, 3, 7});
  for (std::uint32_t person = 0; person < 100; ++person) {
    const auto x = a.uniforms(Decision{5}, person, 17, 2);
    const auto y = b.uniforms(Decision{5}, person, 17, 2);
    for (int k = 0; k < 4; ++k) EXPECT_EQ(x[k], y[k]);
  }
}

TEST(Random, EveryKeyAndCounterFieldChangesTheNumbers) {
  const auto base = RandomStreams({42, 3, 7}).uniforms(Decision{5}, 100, 17, 2)[0];
  EXPECT_NE(base, RandomStreams({43, 3, 7}).uniforms(Decision{5}, 100, 17, 2)[0]);
  EXPECT_NE(base, RandomStreams({42, 4, 7}).uniforms(Decision{5}, 100, 17, 2)[0]);
  EXPECT_NE(base, RandomStreams({42, 3, 8}).uniforms(Decision{5}, 100, 17, 2)[0]);
  const RandomStreams r({42, 3, 7});
  EXPECT_NE(base, r.uniforms(Decision{6}, 100, 17, 2)[0]);
  EXPECT_NE(base, r.uniforms(Decision{5}, 101, 17, 2)[0]);
  EXPECT_NE(base, r.uniforms(Decision{5}, 100, 18, 2)[0]);
  EXPECT_NE(base, r.uniforms(Decision{5}, 100, 17, 3)[0]);
  EXPECT_NE(base, r.uniforms(Decision{5}, 100, 17, 2 + 65536)[0]);  // high bits of sub
}

TEST(Random, DrawAndReplicateAreCheckedNotTruncated) {
  EXPECT_THROW(RandomStreams({1, 65536, 0}), std::out_of_range);
  EXPECT_THROW(RandomStreams({1, 0, 65536}), std::out_of_range);
  // (draw 1, replicate 0) and (draw 0, replicate 1) are different streams.
  EXPECT_NE(RandomStreams({1, 1, 0}).uniforms(Decision{1}, 0, 0)[0],
            RandomStreams({1, 0, 1}).uniforms(Decision{1}, 0, 0)[0]);
}

TEST(Random, UniformsAreOpenIntervalAndUniform) {
  EXPECT_GT(RandomStreams::to_open01(0), 0.0);
  EXPECT_LT(RandomStreams::to_open01(0xFFFFFFFFu), 1.0);
  // Mean and variance of 400,000 uniforms within 4 standard errors.
  const RandomStreams r({9, 0, 0});
  const int n = 100000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const auto u = r.uniforms(Decision{2}, static_cast<std::uint32_t>(i), 0);
    for (int k = 0; k < 4; ++k) {
      sum += u[k];
      sum2 += u[k] * u[k];
    }
  }
  const double m = sum / (4.0 * n);
  EXPECT_NEAR(m, 0.5, 4.0 * std::sqrt(1.0 / 12.0 / (4.0 * n)));
  EXPECT_NEAR(sum2 / (4.0 * n) - m * m, 1.0 / 12.0, 4.0 * std::sqrt(1.0 / 180.0 / (4.0 * n)));
}

TEST(Random, ExponentialTimeHasTheRightMean) {
  const RandomStreams r({11, 0, 0});
  const int n = 200000;
  const double rate = 2.5;
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += exponential_time(r.uniforms(Decision{3}, i, 0)[0], rate);
  // The mean of n exponentials has standard error (1/rate)/sqrt(n).
  EXPECT_NEAR(sum / n, 1.0 / rate, 4.0 / rate / std::sqrt(n));
  EXPECT_TRUE(std::isinf(exponential_time(0.5, 0.0)));
}

TEST(Random, PoissonInverseMatchesMeanAndVariance) {
  for (double mean : {0.3, 4.0, 60.0, 2000.0}) {
    const RandomStreams r({12, 0, 0});
    const int n = 50000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i) {
      const double k = poisson_inverse(r.uniforms(Decision{4}, i, 0)[0], mean);
      sum += k;
      sum2 += k * k;
    }
    const double m = sum / n;
    EXPECT_NEAR(m, mean, 4.0 * std::sqrt(mean / n)) << "mean " << mean;
    EXPECT_NEAR(sum2 / n - m * m, mean, 0.05 * mean + 4.0 * mean * std::sqrt(2.0 / n)) << "mean " << mean;
  }
  EXPECT_EQ(poisson_inverse(0.9, 0.0), 0u);
}

TEST(Decisions, ClashingIdsAreRejectedAtStartUp) {
  DecisionRegistry r;
  r.add({Decision{1}, "a", ""});
  r.add({Decision{2}, "b", ""});
  EXPECT_NO_THROW(r.check_unique());
  r.add({Decision{1}, "c", ""});
  try {
    r.check_unique();
    FAIL() << "expected a clash";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("'a'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'c'"), std::string::npos);
  }
  DecisionRegistry names;
  names.add({Decision{1}, "same", ""});
  names.add({Decision{2}, "same", ""});
  EXPECT_THROW(names.check_unique(), std::logic_error);
}
