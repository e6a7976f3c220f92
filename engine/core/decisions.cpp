#include "core/decisions.hpp"

#include <stdexcept>
#include <string>

namespace averted {

void DecisionRegistry::add(DecisionInfo info) { decisions_.push_back(info); }

void DecisionRegistry::check_unique() const {
  for (std::size_t a = 0; a < decisions_.size(); ++a) {
    for (std::size_t b = a + 1; b < decisions_.size(); ++b) {
      const auto& x = decisions_[a];
      const auto& y = decisions_[b];
      if (x.id == y.id || x.name == y.name) {
        throw std::logic_error("random decision id " +
                               std::to_string(static_cast<unsigned>(x.id)) + " ('" +
                               std::string(x.name) + "') clashes with id " +
                               std::to_string(static_cast<unsigned>(y.id)) + " ('" +
                               std::string(y.name) + "'): each decision needs its own id");
      }
    }
  }
}

}  // namespace averted
