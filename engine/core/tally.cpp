#include "core/tally.hpp"

namespace averted {

Tally::Tally(const std::vector<OutputTable>& tables) {
  cells_.reserve(tables.size());
  for (const auto& t : tables) cells_.emplace_back(t.spec.size(), 0);
}

void Tally::merge(const Tally& other) {
  for (std::size_t t = 0; t < cells_.size(); ++t) {
    for (std::size_t c = 0; c < cells_[t].size(); ++c) cells_[t][c] += other.cells_[t][c];
  }
}

RunOutputs Tally::to_outputs(const std::vector<OutputTable>& tables) const {
  RunOutputs out;
  for (std::size_t t = 0; t < tables.size(); ++t) {
    if (tables[t].fixed_point_scale > 0.0) {
      std::vector<double> v(cells_[t].size());
      for (std::size_t c = 0; c < v.size(); ++c) {
        v[c] = static_cast<double>(cells_[t][c]) / tables[t].fixed_point_scale;
      }
      out.tables.emplace_back(std::move(v));
    } else {
      out.tables.emplace_back(cells_[t]);
    }
  }
  return out;
}

}  // namespace averted
