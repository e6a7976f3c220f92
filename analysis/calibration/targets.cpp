#include "calibration/targets.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "calibration/posterior.hpp"
#include "scenario/parameter.hpp"  // edit_distance
#include "scenario/scenario.hpp"

namespace averted::calibration {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kZ95 = 1.959963984540054;  // 97.5% normal quantile

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

// A node as quoted in an error message. Only scalars convert to text; as<std::string>()
// throws on a list, a map, or a complex key, which bad input must never reach.
std::string shown(const YAML::Node& n) {
  if (n.IsScalar()) return n.as<std::string>();
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a map";
  return "";
}

std::string did_you_mean(const std::string& got, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_d = 4;
  for (const auto& k : known) {
    const std::size_t d = edit_distance(got, k);
    if (d < best_d) best_d = d, best = k;
  }
  if (!best.empty()) return fmt::format("did you mean '{}'?", best);
  std::string all;
  for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
  return "known: " + all;
}

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}
  std::vector<ScenarioError> errors;

  void error(const YAML::Node& n, std::string path, std::string value, std::string expected,
             std::string suggestion = {}, std::string problem = {}) {
    errors.push_back({file_, line_of(n), std::move(path), std::move(value), std::move(expected),
                      std::move(suggestion), std::move(problem)});
  }
  void keys(const YAML::Node& map, const std::string& path, const std::vector<std::string>& known) {
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) {
        error(kv.first, path, shown(kv.first), "a key that is a plain name", "write the key as a name");
        continue;
      }
      const auto key = kv.first.as<std::string>();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        error(kv.first, path.empty() ? key : path + "." + key, key, "", did_you_mean(key, known),
              fmt::format("unknown key '{}'", key));
      }
    }
  }
  std::string text(const YAML::Node& map, const std::string& path, const char* key, bool required) {
    const YAML::Node n = map[key];
    if (!n) {
      if (required) error(map, path + "." + key, "", "a text value", "add it", fmt::format("'{}' is missing", key));
      return {};
    }
    if (!n.IsScalar() || n.as<std::string>().empty()) {
      error(n, path + "." + key, n.IsScalar() ? "" : "a list or map", "a non-empty text value");
      return {};
    }
    return n.as<std::string>();
  }
  double number(const YAML::Node& n, const std::string& path, double lo, double hi, const std::string& expected) {
    double x = kNaN;
    if (n.IsScalar()) {
      try {
        x = n.as<double>();
      } catch (const YAML::Exception&) {
      }
    }
    if (!std::isfinite(x) || x < lo || x > hi) {
      error(n, path, shown(n), expected);
      return kNaN;
    }
    return x;
  }

 private:
  std::string file_;
};

std::vector<Term> read_terms(Reader& r, const YAML::Node& list, const std::string& path) {
  std::vector<Term> terms;
  if (!list.IsSequence() || list.size() == 0) {
    r.error(list, path, shown(list), "a list of {table: NAME, select: {DIMENSION: [LABELS]}}");
    return terms;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node t = list[i];
    const std::string p = fmt::format("{}[{}]", path, i);
    if (!t.IsMap()) {
      r.error(t, p, shown(t), "{table: NAME, select: {DIMENSION: [LABELS]}}");
      continue;
    }
    r.keys(t, p, {"table", "select"});
    Term term;
    term.table = r.text(t, p, "table", true);
    if (const YAML::Node sel = t["select"]) {
      if (!sel.IsMap()) {
        r.error(sel, p + ".select", shown(sel), "a map DIMENSION: [LABELS]");
      } else {
        for (const auto& kv : sel) {
          if (!kv.first.IsScalar()) {
            r.error(kv.first, p + ".select", shown(kv.first), "a dimension name");
            continue;
          }
          const auto dim = kv.first.as<std::string>();
          std::vector<std::string> labels;
          const bool all_scalars = std::all_of(kv.second.begin(), kv.second.end(),
                                               [](const YAML::Node& l) { return l.IsScalar(); });
          if (kv.second.IsScalar()) {
            labels.push_back(kv.second.as<std::string>());
          } else if (kv.second.IsSequence() && kv.second.size() > 0 && all_scalars) {
            for (const auto& l : kv.second) labels.push_back(l.as<std::string>());
          } else {
            r.error(kv.second, p + ".select." + dim, "", "a label or a non-empty list of labels");
          }
          term.select.emplace_back(dim, std::move(labels));
        }
      }
    }
    terms.push_back(std::move(term));
  }
  return terms;
}

const std::map<std::string, Likelihood> kLikelihoods = {
    {"normal", Likelihood::Normal}, {"poisson", Likelihood::Poisson}, {"negative_binomial", Likelihood::NegativeBinomial}};

Target read_target(Reader& r, const YAML::Node& n, const std::string& path) {
  Target t;
  t.line = line_of(n);
  r.keys(n, path, {"id", "label", "unit", "source", "geography", "primary", "likelihood", "dispersion", "weight",
                   "note", "model", "data"});
  t.id = r.text(n, path, "id", true);
  t.label = r.text(n, path, "label", true);
  t.unit = r.text(n, path, "unit", true);
  t.source = r.text(n, path, "source", true);
  t.geography = r.text(n, path, "geography", true);
  t.note = r.text(n, path, "note", false);
  if (const YAML::Node p = n["primary"]) {
    try {
      t.primary = p.as<bool>();
    } catch (const YAML::Exception&) {
      r.error(p, path + ".primary", shown(p), "true or false");
    }
  }
  const std::string lik = r.text(n, path, "likelihood", true);
  if (!lik.empty()) {
    if (auto it = kLikelihoods.find(lik); it != kLikelihoods.end()) {
      t.likelihood = it->second;
    } else {
      r.error(n["likelihood"], path + ".likelihood", lik, "normal, poisson or negative_binomial",
              did_you_mean(lik, {"normal", "poisson", "negative_binomial"}));
    }
  }
  if (const YAML::Node d = n["dispersion"]) {
    if (t.likelihood != Likelihood::NegativeBinomial) {
      r.error(d, path + ".dispersion", shown(d), "", "remove it, or use likelihood: negative_binomial",
              "'dispersion' is only used by the negative_binomial likelihood");
    } else {
      t.dispersion = r.number(d, path + ".dispersion", 1e-9, 1e12, "a size k > 0 (variance = mu + mu^2 / k)");
    }
  } else if (t.likelihood == Likelihood::NegativeBinomial && !lik.empty()) {
    r.error(n, path + ".dispersion", "", "a size k > 0 (variance = mu + mu^2 / k)", "add dispersion: K",
            "negative_binomial needs 'dispersion'");
  }
  if (const YAML::Node w = n["weight"]) t.weight = r.number(w, path + ".weight", 0, 1e6, "a weight >= 0 (0: reported, not fitted)");

  // The mapping from model output to the observed quantity.
  const YAML::Node m = n["model"];
  if (!m || !m.IsMap()) {
    r.error(m ? m : n, path + ".model", "", "a map with count: [TERMS] or share: {part: [TERMS], of: [TERMS]}", "",
            m ? "" : "'model' is missing: the mapping from model output to this series must be explicit");
  } else {
    const std::string mp = path + ".model";
    r.keys(m, mp, {"count", "share", "registration_delay", "factor", "factor_source"});
    if (m["count"] && m["share"]) {
      r.error(m, mp, "", "either count or share", "", "both 'count' and 'share' are given");
    } else if (m["count"]) {
      t.numerator = read_terms(r, m["count"], mp + ".count");
    } else if (const YAML::Node s = m["share"]; s && s.IsMap()) {
      r.keys(s, mp + ".share", {"part", "of"});
      if (!s["part"] || !s["of"]) {
        r.error(s, mp + ".share", "", "{part: [TERMS], of: [TERMS]}", "", "'share' needs both 'part' and 'of'");
      } else {
        t.numerator = read_terms(r, s["part"], mp + ".share.part");
        t.denominator = read_terms(r, s["of"], mp + ".share.of");
      }
    } else {
      r.error(m, mp, "", "count: [TERMS] or share: {part: [TERMS], of: [TERMS]}", "",
              "the model counterpart is missing");
    }
    if (const YAML::Node d = m["registration_delay"]) {
      t.registration_delay = r.number(d, mp + ".registration_delay", 0, 1, "a share between 0 and 1");
    }
    if (const YAML::Node f = m["factor"]) {
      t.factor = r.number(f, mp + ".factor", 1e-12, 1e12, "a positive number");
      if (!t.denominator.empty()) {
        r.error(f, mp + ".factor", shown(f), "", "remove it", "a share takes no factor");
      }
      t.factor_source = r.text(m, mp, "factor_source", t.factor != 1.0);
    }
  }

  const YAML::Node data = n["data"];
  if (!data || !data.IsSequence() || data.size() == 0) {
    r.error(data ? data : n, path + ".data", "", "a list of [YEAR, VALUE] or [YEAR, VALUE, LOWER_95, UPPER_95]", "",
            data ? "" : "'data' is missing");
  } else {
    for (std::size_t i = 0; i < data.size(); ++i) {
      const YAML::Node row = data[i];
      const std::string p = fmt::format("{}.data[{}]", path, i);
      if (!row.IsSequence() || (row.size() != 2 && row.size() != 4)) {
        r.error(row, p, shown(row), "[YEAR, VALUE] or [YEAR, VALUE, LOWER_95, UPPER_95]");
        continue;
      }
      const double y = r.number(row[0], p + "[0]", 1900, 2200, "a calendar year 1900..2200");
      const double v = r.number(row[1], p + "[1]", 0, t.denominator.empty() ? 1e12 : 1,
                                t.denominator.empty() ? "a value >= 0" : "a share between 0 and 1");
      double lo = kNaN, hi = kNaN;
      if (row.size() == 4) {
        lo = r.number(row[2], p + "[2]", 0, 1e12, "a lower 95% limit >= 0");
        hi = r.number(row[3], p + "[3]", 0, 1e12, "an upper 95% limit >= 0");
        if (std::isfinite(lo) && std::isfinite(hi) && std::isfinite(v) && !(lo <= v && v <= hi && lo < hi)) {
          r.error(row, p, fmt::format("[{}, {}, {}, {}]", y, v, lo, hi), "lower < upper with the value between them");
        }
      } else if (t.likelihood == Likelihood::Normal) {
        r.error(row, p, fmt::format("[{}, {}]", y, v), "[YEAR, VALUE, LOWER_95, UPPER_95]",
                "give the 95% interval: the normal likelihood takes its sd from it");
      }
      if (!t.years.empty() && std::isfinite(y) && y <= t.years.back()) {
        r.error(row[0], p + "[0]", fmt::format("{}", y), fmt::format("a year after {}", t.years.back()), "list years once, in order");
      }
      t.years.push_back(std::isfinite(y) ? static_cast<int>(y) : 0);  // a bad year is already an error
      t.value.push_back(v);
      t.lower.push_back(lo);
      t.upper.push_back(hi);
    }
  }
  return t;
}

// Cells of a table summed per year for one term: mask over the non-year dimensions.
std::vector<double> term_by_year(const Term& term, const TableSpec& spec, const RunOutputs& run, std::size_t table) {
  const std::size_t years = spec.dims[0].labels.size();
  std::size_t inner = 1;
  for (std::size_t d = 1; d < spec.dims.size(); ++d) inner *= spec.dims[d].labels.size();
  std::vector<char> keep(inner, 1);
  for (std::size_t c = 0; c < inner; ++c) {
    std::size_t rest = c;
    for (std::size_t d = spec.dims.size() - 1; d >= 1; --d) {
      const auto& dim = spec.dims[d];
      const std::size_t idx = rest % dim.labels.size();
      rest /= dim.labels.size();
      for (const auto& [name, labels] : term.select) {
        if (name == dim.name && std::find(labels.begin(), labels.end(), dim.labels[idx]) == labels.end()) keep[c] = 0;
      }
    }
  }
  std::vector<double> out(years, 0.0);
  std::visit(
      [&](const auto& cells) {
        for (std::size_t y = 0; y < years; ++y) {
          for (std::size_t c = 0; c < inner; ++c) {
            if (keep[c]) out[y] += static_cast<double>(cells[y * inner + c]);
          }
        }
      },
      run.tables.at(table));
  return out;
}

// The terms summed per calendar year after the registration delay s (value), and the
// chance variance of that sum if each year's events are independent Poisson counts
// (chance): (1 - s)^2 x events(y) + s^2 x events(y - 1), half the variance of one
// year's events when s is about 0.5.
struct YearSums {
  std::vector<double> value, chance;
};

YearSums sum_terms(const std::vector<Term>& terms, const std::vector<TableSpec>& tables, const RunOutputs& run,
                   double delay) {
  std::vector<double> total;
  for (const auto& term : terms) {
    const auto it = std::find_if(tables.begin(), tables.end(), [&](const TableSpec& s) { return s.name == term.table; });
    const auto part = term_by_year(term, *it, run, static_cast<std::size_t>(it - tables.begin()));
    if (total.empty()) total.assign(part.size(), 0.0);
    for (std::size_t y = 0; y < part.size(); ++y) total[y] += part[y];
  }
  // Registration: a share `delay` of the events of year y - 1 is counted in year y.
  YearSums out{std::vector<double>(total.size()), std::vector<double>(total.size())};
  for (std::size_t y = 0; y < total.size(); ++y) {
    const double before = total[y == 0 ? 0 : y - 1];
    out.value[y] = (1 - delay) * total[y] + delay * before;
    out.chance[y] = (1 - delay) * (1 - delay) * total[y] + delay * delay * before;
  }
  return out;
}

std::string describe_terms(const std::vector<Term>& terms) {
  std::string out;
  for (const auto& t : terms) {
    std::string sel;
    for (const auto& [dim, labels] : t.select) {
      std::string ls;
      for (const auto& l : labels) ls += (ls.empty() ? "" : ", ") + l;
      sel += fmt::format("{}{} in {{{}}}", sel.empty() ? "" : " and ", dim, ls);
    }
    out += fmt::format("{}model table '{}'{}", out.empty() ? "" : " plus ", t.table,
                       sel.empty() ? " (all cells)" : " where " + sel);
  }
  return out;
}

}  // namespace

std::string to_string(Likelihood l) {
  switch (l) {
    case Likelihood::Normal: return "normal";
    case Likelihood::Poisson: return "poisson";
    case Likelihood::NegativeBinomial: return "negative_binomial";
  }
  return "?";
}

std::string Target::mapping() const {
  std::string out;
  if (denominator.empty()) {
    out = fmt::format("{}, per calendar year, divided by run.population_scale", describe_terms(numerator));
    if (factor != 1.0) out += fmt::format(", times {} ({})", factor, factor_source);
  } else {
    out = fmt::format("share: {}, out of {}, per calendar year", describe_terms(numerator), describe_terms(denominator));
  }
  if (registration_delay > 0) {
    out += fmt::format("; registration delay: {:.0f}% of a year's events are counted in the next year",
                       100 * registration_delay);
  }
  if (!note.empty()) out += ". " + note;
  return out;
}

double Target::normal_sd(std::size_t k) const { return (upper[k] - lower[k]) / (2 * kZ95); }

std::pair<double, double> Target::interval(std::size_t k) const {
  if (std::isfinite(lower[k])) return {lower[k], upper[k]};
  const double y = value[k];
  const double var = likelihood == Likelihood::NegativeBinomial ? y + y * y / dispersion : y;
  return {std::max(0.0, y - kZ95 * std::sqrt(var)), y + kZ95 * std::sqrt(var)};
}

double Target::deviance(std::size_t k, double mu) const {
  const double y = value[k];
  switch (likelihood) {
    case Likelihood::Normal: {
      const double z = (y - mu) / normal_sd(k);
      return z * z;
    }
    case Likelihood::Poisson: {
      mu = std::max(mu, 1e-9);
      return 2 * ((y > 0 ? y * std::log(y / mu) : 0.0) - (y - mu));
    }
    case Likelihood::NegativeBinomial: {
      mu = std::max(mu, 1e-9);
      const double kk = dispersion;
      return 2 * ((y > 0 ? y * std::log(y / mu) : 0.0) - (y + kk) * std::log((y + kk) / (mu + kk)));
    }
  }
  return kNaN;
}

TargetSet TargetSet::until(int year) const {
  TargetSet out{file, hash, {}};
  for (const auto& t : targets) {
    Target c = t;
    c.years.clear(), c.value.clear(), c.lower.clear(), c.upper.clear();
    for (std::size_t k = 0; k < t.years.size(); ++k) {
      if (t.years[k] > year) continue;
      c.years.push_back(t.years[k]), c.value.push_back(t.value[k]);
      c.lower.push_back(t.lower[k]), c.upper.push_back(t.upper[k]);
    }
    if (!c.years.empty()) out.targets.push_back(std::move(c));
  }
  return out;
}

std::size_t TargetSet::observations() const {
  std::size_t n = 0;
  for (const auto& t : targets) n += t.years.size();
  return n;
}

TargetSet load_targets(const std::filesystem::path& file) {
  const std::string name = file.string();
  Reader r(name);
  YAML::Node root;
  try {
    if (!std::filesystem::is_regular_file(file)) {
      throw ScenarioErrors({{name, 0, "", "", "a readable targets file (YAML)", "check the path", "the file does not exist"}});
    }
    root = YAML::LoadFile(name);
  } catch (const YAML::Exception& e) {
    throw ScenarioErrors({{name, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "", "valid YAML", "", e.msg}});
  }
  TargetSet set{file, file_sha1(file), {}};
  if (!root.IsMap() || !root["targets"] || !root["targets"].IsSequence()) {
    r.error(root, "targets", "", "a top-level 'targets:' list of series", "see docs/calibration.md",
            "the file has no 'targets:' list");
    throw ScenarioErrors(std::move(r.errors), name);
  }
  r.keys(root, "", {"targets"});
  std::set<std::string> ids;
  const YAML::Node list = root["targets"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = fmt::format("targets[{}]", i);
    if (!list[i].IsMap()) {
      r.error(list[i], path, shown(list[i]), "a map describing one series");
      continue;
    }
    try {
      Target t = read_target(r, list[i], path);
      if (!t.id.empty() && !ids.insert(t.id).second) {
        r.error(list[i]["id"], path + ".id", t.id, "an id used once", "rename one of the series");
      }
      set.targets.push_back(std::move(t));
    } catch (const YAML::Exception& e) {
      // A node of an unexpected kind that a check above missed: still a clear error
      // with the line, never a crash (found by tests/fuzz/fuzz_targets.cpp).
      r.errors.push_back({name, e.mark.line >= 0 ? e.mark.line + 1 : 0, path, "", "the layout of docs/calibration.md",
                          "see the example there", e.msg});
    }
  }
  if (!r.errors.empty()) throw ScenarioErrors(std::move(r.errors), name);
  return set;
}

void check_against(const TargetSet& targets, const std::vector<TableSpec>& tables) {
  std::vector<ScenarioError> errors;
  std::vector<std::string> table_names;
  for (const auto& s : tables) table_names.push_back(s.name);
  for (std::size_t i = 0; i < targets.targets.size(); ++i) {
    const Target& t = targets.targets[i];
    auto check = [&](const std::vector<Term>& terms, const char* where) {
      for (std::size_t j = 0; j < terms.size(); ++j) {
        const std::string path = fmt::format("targets[{}].model.{}[{}]", i, where, j);
        const auto it = std::find_if(tables.begin(), tables.end(), [&](const TableSpec& s) { return s.name == terms[j].table; });
        if (it == tables.end()) {
          errors.push_back({targets.file.string(), t.line, path + ".table", terms[j].table, "a model output table",
                            did_you_mean(terms[j].table, table_names), ""});
          continue;
        }
        if (it->dims.empty() || it->dims[0].name != "year") {
          errors.push_back({targets.file.string(), t.line, path + ".table", terms[j].table,
                            "a table by year (run with output.weekly: false)", "", ""});
          continue;
        }
        for (const auto& [dim, labels] : terms[j].select) {
          const auto d = std::find_if(it->dims.begin() + 1, it->dims.end(), [&](const Dimension& x) { return x.name == dim; });
          if (d == it->dims.end()) {
            std::vector<std::string> dims;
            for (std::size_t k = 1; k < it->dims.size(); ++k) dims.push_back(it->dims[k].name);
            errors.push_back({targets.file.string(), t.line, path + ".select." + dim, dim,
                              fmt::format("a dimension of table '{}'", it->name), did_you_mean(dim, dims), ""});
            continue;
          }
          for (const auto& l : labels) {
            if (std::find(d->labels.begin(), d->labels.end(), l) == d->labels.end()) {
              errors.push_back({targets.file.string(), t.line, path + ".select." + dim, l,
                                fmt::format("a label of dimension '{}'", dim), did_you_mean(l, d->labels), ""});
            }
          }
        }
      }
    };
    check(t.numerator, t.denominator.empty() ? "count" : "share.part");
    check(t.denominator, "share.of");
  }
  if (!errors.empty()) throw ScenarioErrors(std::move(errors), targets.file.string());
}

std::vector<double> counterparts(const TargetSet& targets, const std::vector<TableSpec>& tables,
                                 const RunOutputs& run, double population_scale) {
  std::vector<double> value, variance;
  for (const auto& t : targets.targets) {
    const auto sums = sum_terms(t.numerator, tables, run, t.registration_delay);
    const std::vector<double>& num = sums.value;
    YearSums of;
    if (!t.denominator.empty()) of = sum_terms(t.denominator, tables, run, t.registration_delay);
    const std::vector<double>& den = of.value;
    const auto it = std::find_if(tables.begin(), tables.end(), [&](const TableSpec& s) { return s.name == t.numerator[0].table; });
    const int first_year = std::stoi(it->dims[0].labels.front());
    for (const int year : t.years) {
      const int y = year - first_year;
      if (y < 0 || y >= static_cast<int>(num.size())) {
        value.push_back(kNaN), variance.push_back(kNaN);
      } else if (den.empty()) {
        value.push_back(num[y] / population_scale * t.factor);
        variance.push_back(std::max(sums.chance[y], 1.0) * t.factor * t.factor / (population_scale * population_scale));
      } else {
        // Binomial, with the effective number of cases of the delayed denominator
        // (den^2 / its chance variance; den itself without a delay).
        const double p = den[y] > 0 ? num[y] / den[y] : kNaN;
        const double cases = den[y] > 0 ? den[y] * den[y] / of.chance[y] : kNaN;
        value.push_back(p);
        variance.push_back(den[y] > 0 ? std::max(p * (1 - p), 0.25 / cases) / cases : kNaN);
      }
    }
  }
  value.insert(value.end(), variance.begin(), variance.end());
  return value;
}

double Target::variance(std::size_t k) const {
  const double y = value[k];
  switch (likelihood) {
    case Likelihood::Normal: return normal_sd(k) * normal_sd(k);
    case Likelihood::Poisson: return std::max(y, 1.0);
    case Likelihood::NegativeBinomial: return std::max(y, 1.0) + y * y / dispersion;
  }
  return kNaN;
}

std::vector<double> mean_of_replicates(const std::vector<std::vector<double>>& runs) {
  if (runs.empty() || runs.front().size() % 2 != 0) {
    throw std::invalid_argument("mean_of_replicates: expected at least one run of values and variances");
  }
  const std::size_t n = runs.front().size() / 2;
  const double N = static_cast<double>(runs.size());
  std::vector<double> out(2 * n, 0.0);
  for (const auto& run : runs) {
    if (run.size() != 2 * n) throw std::invalid_argument("mean_of_replicates: the runs have different lengths");
    for (std::size_t i = 0; i < 2 * n; ++i) out[i] += run[i] / N;
  }
  for (std::size_t i = n; i < 2 * n; ++i) out[i] /= N;
  return out;
}

double distance(const TargetSet& targets, const std::vector<double>& counterparts) {
  const std::size_t n = targets.observations();
  if (counterparts.size() != 2 * n) throw std::invalid_argument("distance: expected values and variances of every observation");
  double total = 0;
  std::size_t i = 0;
  for (const auto& t : targets.targets) {
    for (std::size_t k = 0; k < t.years.size(); ++k, ++i) {
      if (t.weight == 0) continue;
      if (!std::isfinite(counterparts[i])) return std::numeric_limits<double>::infinity();
      const double obs = t.variance(k);
      total += t.weight * t.deviance(k, counterparts[i]) * obs / (obs + counterparts[n + i]);
    }
  }
  return total;
}

}  // namespace averted::calibration
