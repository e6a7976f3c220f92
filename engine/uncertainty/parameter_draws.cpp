#include "uncertainty/parameter_draws.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "core/random.hpp"

namespace averted {

std::uint32_t parameter_stream_id(std::string_view path) {
  std::uint32_t h = 2166136261u;
  for (const char c : path) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

void check_parameter_stream_ids(const ParamTable& table) {
  std::map<std::uint32_t, std::string> seen;
  for (const auto& spec : table.all()) {
    const auto [it, fresh] = seen.emplace(parameter_stream_id(spec.path), spec.path);
    if (!fresh) {
      throw std::logic_error(fmt::format("parameters '{}' and '{}' have the same random stream id {}",
                                         it->second, spec.path, it->first));
    }
  }
}

double parameter_uniform(std::uint32_t master_seed, std::uint32_t draw, std::string_view path) {
  const RandomStreams streams(StreamKey{master_seed, draw, 0});
  return streams.uniforms(kParameterDrawDecision, parameter_stream_id(path), 0, 0)[0];
}

Scenario sample_parameters(const Scenario& scenario, std::uint32_t master_seed, std::uint32_t draw) {
  if (scenario.table()) check_parameter_stream_ids(*scenario.table());
  Scenario out = scenario;
  for (const auto& [path, setting] : scenario.settings()) {
    if (!setting.distribution) continue;
    double x = setting.distribution->quantile(parameter_uniform(master_seed, draw, path));
    if (const ParamSpec* spec = scenario.table() ? scenario.table()->find(path) : nullptr) {
      x = std::clamp(x, spec->min, spec->max);
    }
    out.set_drawn_value(path, x);
  }
  return out;
}

}  // namespace averted
