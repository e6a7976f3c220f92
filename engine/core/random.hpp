// Counter-based random numbers. Every random decision in a run is a pure function of
//   key     = (master seed, parameter draw, replicate)
//   counter = (person id, time step, decision id, sub-index)
// through Philox4x32-10 (Random123). No generator state is owned by a thread, a rank
// or a memory slot, so results do not depend on the number of threads or processes
// or on the order people are processed in; and two scenarios that make the same
// decision for the same person at the same step draw the same numbers (common
// random numbers).
#pragma once

#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "core/decisions.hpp"

namespace averted {

// Identifies one stochastic run. Draws and replicates are 16-bit fields of the key
// (checked, never hashed or truncated), so at most 65,536 of each.
struct StreamKey {
  std::uint32_t master_seed = 0;
  std::uint32_t draw = 0;
  std::uint32_t replicate = 0;
  static constexpr std::uint32_t kMaxDraws = 1u << 16;
  static constexpr std::uint32_t kMaxReplicates = 1u << 16;
};

// Four uniforms on the open interval (0, 1), from one Philox block.
struct Uniforms4 {
  std::array<double, 4> u;
  double operator[](std::size_t i) const { return u[i]; }
};

class RandomStreams {
 public:
  explicit RandomStreams(StreamKey key) {
    if (key.draw >= StreamKey::kMaxDraws || key.replicate >= StreamKey::kMaxReplicates) {
      throw std::out_of_range("parameter draw and replicate must each be below 65536");
    }
    key_ = {{key.master_seed, (key.draw << 16) | key.replicate}};
  }

  // The four uniforms of decision `d` for `person` at time step `step`; `sub`
  // distinguishes repeated draws of the same decision within one step.
  Uniforms4 uniforms(Decision d, std::uint32_t person, std::uint32_t step,
                     std::uint32_t sub = 0) const {
    using Philox = r123::Philox4x32;
    Philox::ctr_type ctr = {{person, step, (static_cast<std::uint32_t>(d) << 16) | (sub & 0xFFFFu),
                             sub >> 16}};
    const Philox::ctr_type r = Philox()(ctr, key_);
    return {{to_open01(r[0]), to_open01(r[1]), to_open01(r[2]), to_open01(r[3])}};
  }

  // Maps 32 random bits to (0, 1), never 0 or 1, so log(u) is always finite.
  static constexpr double to_open01(std::uint32_t x) {
    return (static_cast<double>(x) + 0.5) * (1.0 / 4294967296.0);
  }

 private:
  r123::Philox4x32::key_type key_;
};

// Inverse-CDF transforms: each consumes exactly one uniform, so a change in one
// parameter never shifts the random numbers used by any other decision.
inline double exponential_time(double u, double rate) {
  return rate > 0.0 ? -std::log(u) / rate : std::numeric_limits<double>::infinity();
}

// Poisson by inversion of the CDF with one uniform (for small means, e.g. weekly
// arrivals); for means above 500 a normal approximation with continuity correction.
std::uint32_t poisson_inverse(double u, double mean);

}  // namespace averted
