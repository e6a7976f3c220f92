// Parameter draws: draw d of every uncertain parameter, the same in every scenario.
//
// The uniform behind draw d of the parameter at `path` is Philox4x32-10 with
//   key     = (master seed, draw d, replicate 0)
//   counter = (stream id of the path, step 0, decision 2, sub-index 0)
// Decision id 2 is reserved for parameter draws (the kernel registers it, so no model
// can claim it); the stream id is a 32-bit FNV-1a hash of the path, checked unique over
// the parameter table. The value is the distribution's quantile of that one uniform
// (Boost.Math), clamped to the setting's range. So a parameter's draw depends only on
// (seed, d, path): every scenario that inherits the same distribution gets the same
// value, and one that sets a different distribution for the same path gets the same
// quantile of its own distribution (comonotone draws).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/decisions.hpp"
#include "scenario/scenario.hpp"

namespace averted {

inline constexpr Decision kParameterDrawDecision{2};

// FNV-1a (32 bits) of the path.
std::uint32_t parameter_stream_id(std::string_view path);
// Throws std::logic_error naming both paths if two parameters of the table share a
// stream id.
void check_parameter_stream_ids(const ParamTable& table);
// The uniform in (0, 1) of draw `draw` of the parameter at `path`.
double parameter_uniform(std::uint32_t master_seed, std::uint32_t draw, std::string_view path);
// The scenario with every uncertain setting replaced by its draw `draw` (origins and
// distributions kept). Settings without a distribution are unchanged.
Scenario sample_parameters(const Scenario& scenario, std::uint32_t master_seed, std::uint32_t draw);

}  // namespace averted
