// Output accumulation. Each thread adds into its own Tally; tallies are merged at the
// end of a run. Every cell is an integer (event counts, or fixed-point amounts such
// as person-time), so merging is exact and the result cannot depend on how people
// were split between threads.
#pragma once

#include <cstdint>
#include <vector>

#include "results/run_outputs.hpp"

namespace averted {

struct OutputTable {
  TableSpec spec;
  // 0: the table counts events or people (int64). > 0: the table holds amounts
  // accumulated in integer units of 1/fixed_point_scale, written as float64.
  double fixed_point_scale = 0.0;
};

class Tally {
 public:
  Tally() = default;
  explicit Tally(const std::vector<OutputTable>& tables);
  void add(std::size_t table, std::size_t cell, std::int64_t n = 1) { cells_[table][cell] += n; }
  // Adds an amount to a fixed-point table (rounded to the nearest unit).
  void add_amount(std::size_t table, std::size_t cell, double amount, double scale) {
    cells_[table][cell] += static_cast<std::int64_t>(amount * scale + (amount >= 0 ? 0.5 : -0.5));
  }
  void merge(const Tally& other);
  const std::vector<std::int64_t>& cells(std::size_t table) const { return cells_[table]; }
  std::int64_t cell(std::size_t table, std::size_t cell) const { return cells_[table][cell]; }
  RunOutputs to_outputs(const std::vector<OutputTable>& tables) const;

 private:
  std::vector<std::vector<std::int64_t>> cells_;
};

}  // namespace averted
