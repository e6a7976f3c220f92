// Decision ids: every random decision in the model has a fixed numeric id, the
// `decision` field of the Philox counter. Ids are part of the results' meaning (a
// changed id changes every number downstream), so they are assigned by hand, never
// renumbered, and checked to be unique when the program starts.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace averted {

enum class Decision : std::uint16_t {};

struct DecisionInfo {
  Decision id;
  std::string_view name;
  std::string_view what;  // one line: what this decision draws
};

// Registry of every decision a model declares. `add` records; `check_unique` throws
// std::logic_error naming both owners of a clashing id or name.
class DecisionRegistry {
 public:
  void add(DecisionInfo info);
  void check_unique() const;
  const std::vector<DecisionInfo>& all() const { return decisions_; }

 private:
  std::vector<DecisionInfo> decisions_;
};

}  // namespace averted
