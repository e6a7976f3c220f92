// Waiting-list entries (time joined, person) in joining order: earliest first, ties
// by lower id. The same order as std::sort on the pairs, without its unpredictable
// branches: each step sorts the hundreds of people who joined a list in the parallel
// phase, on one thread, and a comparison sort spent most of its time on mispredicted
// branches (docs/performance.md).
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/population.hpp"

namespace averted::england {

// Times must be >= 0 (run time): then their bits order as the floats do, and
// (time bits, id) is one 64-bit key. Least-significant-digit radix sort, one byte a
// pass; a pass whose byte is the same for every key (the top bits of times within a
// step, the top bits of ids) is skipped.
inline void sort_by_joining(std::vector<std::pair<float, PersonId>>& entries) {
  const std::size_t n = entries.size();
  if (n < 2) return;
  std::vector<std::uint64_t> keys(n), other(n);
  for (std::size_t k = 0; k < n; ++k) {
    keys[k] = std::uint64_t{std::bit_cast<std::uint32_t>(entries[k].first)} << 32 | entries[k].second;
  }
  for (int shift = 0; shift < 64; shift += 8) {
    std::array<std::size_t, 256> start{};
    for (const std::uint64_t key : keys) ++start[(key >> shift) & 255];
    if (start[(keys[0] >> shift) & 255] == n) continue;  // one digit for all: order unchanged
    std::size_t sum = 0;
    for (auto& s : start) sum += std::exchange(s, sum);
    for (const std::uint64_t key : keys) other[start[(key >> shift) & 255]++] = key;
    keys.swap(other);
  }
  for (std::size_t k = 0; k < n; ++k) {
    entries[k] = {std::bit_cast<float>(static_cast<std::uint32_t>(keys[k] >> 32)), static_cast<PersonId>(keys[k])};
  }
}

}  // namespace averted::england
