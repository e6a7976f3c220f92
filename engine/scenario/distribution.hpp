// Parameter uncertainty: a probability distribution attached to one number setting
// of a scenario file, e.g.
//
//   overdose:
//     fatality: {distribution: beta, mean: 0.067, sd: 0.01, source: "Darke 2011"}
//
// The setting's value (what `averted run` and every single-value use sees) is the
// distribution's mean, its central value. Parameter draw d replaces it by the
// quantile of one uniform keyed by (master seed, d, the parameter's path); see
// uncertainty/parameter_draws.hpp and docs/uncertainty.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace averted {

struct ParamSpec;

struct Distribution {
  enum class Kind : std::uint8_t { Fixed, Beta, Gamma, Lognormal, Normal, Uniform };
  Kind kind = Kind::Fixed;
  // Natural parameters: fixed (value, -), beta (alpha, beta), gamma (shape, scale),
  // lognormal (meanlog, sdlog), normal (mean, sd), uniform (min, max).
  double p1 = 0.0, p2 = 0.0;
  // The parameters as the file wrote them, in order (e.g. {"mean", 0.067}, {"sd", 0.01}),
  // so the merged scenario writes the same form back.
  std::vector<std::pair<std::string, double>> written;
  std::string source;  // where the distribution comes from (required in files)

  double mean() const;
  // Inverse CDF at u in (0, 1): one uniform per draw.
  double quantile(double u) const;
  // "beta(mean 0.067, sd 0.01)"
  std::string describe() const;
  // YAML flow map that load_scenario reads back to the same distribution:
  // {distribution: beta, mean: 0.067, sd: 0.01, source: "..."}
  std::string yaml() const;
  bool operator==(const Distribution&) const = default;
};

std::string_view to_string(Distribution::Kind);
// The kinds' names, in the order of the enum: fixed, beta, gamma, lognormal, normal, uniform.
const std::vector<std::string>& distribution_kinds();
// The accepted ways of giving each kind's parameters, e.g. for beta
// {{"mean", "sd"}, {"alpha", "beta"}}.
const std::vector<std::vector<std::string>>& distribution_forms(Distribution::Kind);
// "mean and sd, or alpha and beta"
std::string describe_forms(Distribution::Kind);

// Builds a distribution from the named parameters given in a file (keys other than
// `distribution` and `source`). On failure returns false and sets `problem` (what is
// wrong, in words), `bad_key` (the key to blame, or empty for the whole map) and
// `advice`. Checks the numbers (sd > 0, mean inside a beta's (0, 1), ...) and that
// the distribution stays inside the setting's range: its 0.0001% and 99.9999%
// quantiles (the support's ends for beta and uniform) must lie within
// [spec.min, spec.max]. Draws are clamped to that range, so the rare draw beyond it
// (less than 2 in a million) cannot make an invalid run.
bool make_distribution(const ParamSpec& spec, Distribution::Kind kind,
                       const std::vector<std::pair<std::string, double>>& given,
                       Distribution& out, std::string& problem, std::string& bad_key,
                       std::string& advice);

}  // namespace averted
