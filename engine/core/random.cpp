#include "core/random.hpp"

#include <boost/math/distributions/normal.hpp>

namespace averted {

std::uint32_t poisson_inverse(double u, double mean) {
  if (mean <= 0.0) return 0;
  if (mean > 500.0) {
    // Normal approximation (error in the CDF below 1% at this mean), one uniform.
    const double z = boost::math::quantile(boost::math::normal(), u);
    const double x = std::floor(mean + std::sqrt(mean) * z + 0.5);
    return x < 0.0 ? 0u : static_cast<std::uint32_t>(x);
  }
  // Sequential search of the CDF from 0: exact, O(mean) steps.
  double p = std::exp(-mean), cdf = p;
  std::uint32_t k = 0;
  while (u > cdf && k < 100000) {
    ++k;
    p *= mean / k;
    cdf += p;
    if (p < 1e-300 && cdf >= 1.0 - 1e-15) break;
  }
  return k;
}

}  // namespace averted
