// Waiting-list entries (time joined, person) in joining order: earliest first, ties
// by lower id. The same order as std::sort on the pairs, without its unpredictable
// branches: each step sorts the hundreds of people who joined a list in the parallel
// phase, on one thread, and a comparison sort spent most of its time on mispredicted
// branches (docs/performance.md).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/population.hpp"

namespace averted::england {

// Times must be >= 0 (run time): then their bits order as the floats do. Each entry
// becomes one 64-bit key, (time bits - earliest time bits, id), sorted by its time
// half only: least-significant-digit radix, one byte a pass, as many passes as the
// span of times needs (arrivals of one step span a few thousand floats: two passes,
// where sorting the id half too took about six). Equal times, rare, are then put in
// id order run by run.
inline void sort_by_joining(std::vector<std::pair<float, PersonId>>& entries) {
  const std::size_t n = entries.size();
  if (n < 2) return;
  std::uint32_t lo = ~std::uint32_t{0}, hi = 0;
  for (const auto& e : entries) {
    const auto bits = std::bit_cast<std::uint32_t>(e.first);
    lo = std::min(lo, bits);
    hi = std::max(hi, bits);
  }
  std::vector<std::uint64_t> keys(n), other(n);
  for (std::size_t k = 0; k < n; ++k) {
    keys[k] = std::uint64_t{std::bit_cast<std::uint32_t>(entries[k].first) - lo} << 32 | entries[k].second;
  }
  const int time_bits = static_cast<int>(std::bit_width(hi - lo));
  for (int shift = 32; shift < 32 + time_bits; shift += 8) {
    std::array<std::size_t, 256> start{};
    for (const std::uint64_t key : keys) ++start[(key >> shift) & 255];
    if (start[(keys[0] >> shift) & 255] == n) continue;  // one digit for all: order unchanged
    std::size_t sum = 0;
    for (auto& s : start) sum += std::exchange(s, sum);
    for (const std::uint64_t key : keys) other[start[(key >> shift) & 255]++] = key;
    keys.swap(other);
  }
  for (std::size_t a = 0, b = 1; a < n; a = b++) {  // [a, b): one time
    while (b < n && keys[b] >> 32 == keys[a] >> 32) ++b;
    if (b - a > 1) std::sort(keys.begin() + static_cast<std::ptrdiff_t>(a), keys.begin() + static_cast<std::ptrdiff_t>(b));
  }
  for (std::size_t k = 0; k < n; ++k) {
    entries[k] = {std::bit_cast<float>(static_cast<std::uint32_t>(keys[k] >> 32) + lo), static_cast<PersonId>(keys[k])};
  }
}

}  // namespace averted::england
