#include "scenario/distribution.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>

#include "scenario/detail.hpp"
#include "scenario/parameter.hpp"

namespace averted {

using Kind = Distribution::Kind;

std::string_view to_string(Kind k) {
  switch (k) {
    case Kind::Fixed: return "fixed";
    case Kind::Beta: return "beta";
    case Kind::Gamma: return "gamma";
    case Kind::Lognormal: return "lognormal";
    case Kind::Normal: return "normal";
    case Kind::Uniform: return "uniform";
  }
  return "unknown";
}

const std::vector<std::string>& distribution_kinds() {
  static const std::vector<std::string> kinds = {"fixed", "beta", "gamma", "lognormal", "normal", "uniform"};
  return kinds;
}

const std::vector<std::vector<std::string>>& distribution_forms(Kind k) {
  static const std::vector<std::vector<std::string>> fixed = {{"value"}};
  static const std::vector<std::vector<std::string>> beta = {{"mean", "sd"}, {"alpha", "beta"}};
  static const std::vector<std::vector<std::string>> gamma = {
      {"mean", "sd"}, {"shape", "scale"}, {"shape", "rate"}};
  static const std::vector<std::vector<std::string>> lognormal = {{"mean", "sd"}, {"meanlog", "sdlog"}};
  static const std::vector<std::vector<std::string>> normal = {{"mean", "sd"}};
  static const std::vector<std::vector<std::string>> uniform = {{"min", "max"}};
  switch (k) {
    case Kind::Fixed: return fixed;
    case Kind::Beta: return beta;
    case Kind::Gamma: return gamma;
    case Kind::Lognormal: return lognormal;
    case Kind::Normal: return normal;
    case Kind::Uniform: return uniform;
  }
  return fixed;
}

std::string describe_forms(Kind k) {
  std::string out;
  const auto& forms = distribution_forms(k);
  for (std::size_t f = 0; f < forms.size(); ++f) {
    if (f) out += f + 1 == forms.size() ? ", or " : ", ";
    for (std::size_t i = 0; i < forms[f].size(); ++i) {
      if (i) out += " and ";
      out += forms[f][i];
    }
  }
  return out;
}

double Distribution::mean() const {
  switch (kind) {
    case Kind::Fixed: return p1;
    case Kind::Beta: return p1 / (p1 + p2);
    case Kind::Gamma: return p1 * p2;
    case Kind::Lognormal: return std::exp(p1 + p2 * p2 / 2);
    case Kind::Normal: return p1;
    case Kind::Uniform: return (p1 + p2) / 2;
  }
  return p1;
}

double Distribution::quantile(double u) const {
  switch (kind) {
    case Kind::Fixed: return p1;
    case Kind::Beta: return boost::math::quantile(boost::math::beta_distribution<>(p1, p2), u);
    case Kind::Gamma: return boost::math::quantile(boost::math::gamma_distribution<>(p1, p2), u);
    case Kind::Lognormal: return boost::math::quantile(boost::math::lognormal_distribution<>(p1, p2), u);
    case Kind::Normal: return boost::math::quantile(boost::math::normal_distribution<>(p1, p2), u);
    case Kind::Uniform: return p1 + u * (p2 - p1);
  }
  return p1;
}

std::string Distribution::describe() const {
  std::string out = std::string(to_string(kind)) + "(";
  for (std::size_t i = 0; i < written.size(); ++i) {
    if (i) out += ", ";
    out += written[i].first + " " + format_number(written[i].second);
  }
  return out + ")";
}

std::string Distribution::yaml() const {
  std::string out = "{distribution: " + std::string(to_string(kind));
  for (const auto& [k, v] : written) out += ", " + k + ": " + format_number(v);
  out += ", source: " + yaml_quote(source) + "}";
  return out;
}

bool make_distribution(const ParamSpec& spec, Kind kind,
                       const std::vector<std::pair<std::string, double>>& given, Distribution& out,
                       std::string& problem, std::string& bad_key, std::string& advice) {
  const std::string name(to_string(kind));
  std::set<std::string> keys;
  for (const auto& [k, v] : given) keys.insert(k);
  // Which form: the one whose keys are exactly those given.
  const auto& forms = distribution_forms(kind);
  const std::vector<std::string>* form = nullptr;
  for (const auto& f : forms) {
    if (std::set<std::string>(f.begin(), f.end()) == keys) form = &f;
  }
  if (!form) {
    std::set<std::string> known;
    for (const auto& f : forms) known.insert(f.begin(), f.end());
    for (const auto& [k, v] : given) {
      if (known.count(k) == 0) {
        bad_key = k;
        problem = fmt::format("'{}' is not a parameter of a {} distribution", k, name);
        std::string best;
        std::size_t best_d = k.size() <= 3 ? 2 : 3;
        for (const auto& c : known) {
          const auto d = edit_distance(k, c);
          if (d < best_d) {
            best_d = d;
            best = c;
          }
        }
        advice = best.empty() ? fmt::format("give {}", describe_forms(kind))
                              : fmt::format("did you mean '{}'?", best);
        return false;
      }
    }
    problem = keys.empty() ? fmt::format("a {} distribution needs its parameters", name)
                           : fmt::format("these parameters do not describe a {} distribution", name);
    advice = fmt::format("give {} (and source)", describe_forms(kind));
    return false;
  }
  auto get = [&](const char* k) {
    for (const auto& [key, v] : given) {
      if (key == k) return v;
    }
    throw std::logic_error("missing distribution parameter");
  };
  auto positive = [&](const char* k) {
    if (get(k) > 0) return true;
    bad_key = k;
    problem = fmt::format("{} must be greater than 0", k);
    return false;
  };
  Distribution d;
  d.kind = kind;
  d.written.clear();
  for (const auto& k : *form) d.written.emplace_back(k, get(k.c_str()));
  const bool mean_sd = keys.count("sd") != 0;
  switch (kind) {
    case Kind::Fixed: d.p1 = get("value"); break;
    case Kind::Beta:
      if (mean_sd) {
        const double m = get("mean"), sd = get("sd");
        if (!(m > 0 && m < 1)) {
          bad_key = "mean";
          problem = "the mean of a beta distribution must be between 0 and 1 (exclusive)";
          return false;
        }
        if (!positive("sd")) return false;
        if (!(sd * sd < m * (1 - m))) {
          bad_key = "sd";
          problem = fmt::format("sd {} is too large for a beta distribution with mean {}",
                                format_number(sd), format_number(m));
          advice = fmt::format("sd must be below sqrt(mean x (1 - mean)) = {}",
                               format_number(std::sqrt(m * (1 - m))));
          return false;
        }
        const double k = m * (1 - m) / (sd * sd) - 1;
        d.p1 = m * k;
        d.p2 = (1 - m) * k;
      } else {
        if (!positive("alpha") || !positive("beta")) return false;
        d.p1 = get("alpha");
        d.p2 = get("beta");
      }
      break;
    case Kind::Gamma:
      if (mean_sd) {
        if (!positive("mean") || !positive("sd")) return false;
        const double m = get("mean"), sd = get("sd");
        d.p1 = (m / sd) * (m / sd);
        d.p2 = sd * sd / m;
      } else {
        if (!positive("shape")) return false;
        d.p1 = get("shape");
        if (keys.count("rate")) {
          if (!positive("rate")) return false;
          d.p2 = 1.0 / get("rate");
        } else {
          if (!positive("scale")) return false;
          d.p2 = get("scale");
        }
      }
      break;
    case Kind::Lognormal:
      if (mean_sd) {
        if (!positive("mean") || !positive("sd")) return false;
        const double m = get("mean"), sd = get("sd");
        const double s2 = std::log1p((sd / m) * (sd / m));
        d.p1 = std::log(m) - s2 / 2;
        d.p2 = std::sqrt(s2);
      } else {
        if (!positive("sdlog")) return false;
        d.p1 = get("meanlog");
        d.p2 = get("sdlog");
      }
      break;
    case Kind::Normal:
      if (!positive("sd")) return false;
      d.p1 = get("mean");
      d.p2 = get("sd");
      break;
    case Kind::Uniform:
      d.p1 = get("min");
      d.p2 = get("max");
      if (!(d.p1 < d.p2)) {
        bad_key = "max";
        problem = "max must be greater than min";
        return false;
      }
      break;
  }
  // The distribution must stay inside the setting's range.
  const bool closed = kind == Kind::Fixed || kind == Kind::Uniform || kind == Kind::Beta;
  const double lo = kind == Kind::Uniform ? d.p1 : kind == Kind::Beta ? 0.0 : d.quantile(1e-6);
  const double hi = kind == Kind::Uniform ? d.p2 : kind == Kind::Beta ? 1.0 : d.quantile(1 - 1e-6);
  if (!(std::isfinite(lo) && std::isfinite(hi)) || lo < spec.min || hi > spec.max) {
    const bool low = !(lo >= spec.min);
    problem = fmt::format(
        "the {} distribution reaches {} {}, outside the allowed range {}{}", name,
        closed ? (low ? "down to" : "up to") : (low ? "(0.0001st percentile)" : "(99.9999th percentile)"),
        format_number(low ? lo : hi), describe_range(spec),
        spec.unit.empty() ? std::string() : " (" + spec.unit + ")");
    if (kind == Kind::Beta) {
      advice = "a beta distribution covers 0 to 1: use it for probabilities and shares only";
    } else if (kind == Kind::Normal && spec.min >= 0) {
      advice = "use gamma or lognormal for a quantity that cannot be negative, or a smaller sd";
    } else {
      advice = "narrow the distribution (a smaller sd, or a tighter min and max)";
    }
    return false;
  }
  d.source = out.source;
  out = std::move(d);
  return true;
}

}  // namespace averted
