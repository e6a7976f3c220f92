#include "scenario/parameter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "scenario/detail.hpp"

namespace averted {

// ---------------------------------------------------------------------------------
// Series

double Series::at(double key) const {
  if (keys.empty() || keys.size() != values.size()) {
    throw std::logic_error("Series::at on an empty or malformed series");
  }
  // First key strictly greater than `key`.
  const auto it = std::upper_bound(keys.begin(), keys.end(), key);
  if (it == keys.begin()) return values.front();  // before the first key
  const auto i = static_cast<std::size_t>(it - keys.begin());  // keys[i-1] <= key
  if (it == keys.end()) return values.back();                  // at or after the last
  if (interp == Interp::Step) return values[i - 1];
  const double k0 = keys[i - 1];
  const double k1 = keys[i];
  const double v0 = values[i - 1];
  const double v1 = values[i];
  if (v0 == v1) return v0;
  const double t = (key - k0) / (k1 - k0);
  return v0 + t * (v1 - v0);
}

double Series::next_change_after(double key) const {
  const auto n = keys.size();
  auto i = static_cast<std::size_t>(std::upper_bound(keys.begin(), keys.end(), key) -
                                    keys.begin());
  for (; i < n; ++i) {
    // The stretch ending at keys[i] changes value (a step, or a sloped segment).
    if (i >= 1 && values[i] != values[i - 1]) return keys[i];
    // Linear: the value starts changing at keys[i].
    if (interp == Interp::Linear && i + 1 < n && values[i + 1] != values[i]) return keys[i];
  }
  return std::numeric_limits<double>::infinity();
}

// ---------------------------------------------------------------------------------
// Names and formatting

std::string_view to_string(ParamType t) {
  switch (t) {
    case ParamType::Real: return "real";
    case ParamType::Integer: return "integer";
    case ParamType::Boolean: return "boolean";
    case ParamType::Choice: return "choice";
    case ParamType::Text: return "text";
    case ParamType::Series: return "series";
  }
  return "unknown";
}

std::string format_number(double x) {
  if (std::isnan(x)) return ".nan";
  if (std::isinf(x)) return x > 0 ? ".inf" : "-.inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

namespace {

bool is_plain_word(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  // Words YAML would read as something other than text.
  static const char* const special[] = {"true", "false", "yes", "no", "on", "off",
                                        "null", "True", "False", "Yes", "No", "On",
                                        "Off", "Null", "NULL", "TRUE", "FALSE", "y",
                                        "n", "Y", "N", "~"};
  for (const char* w : special) {
    if (s == w) return false;
  }
  // Anything that starts like a number or a sign is quoted too.
  const char c0 = s.front();
  return !((c0 >= '0' && c0 <= '9') || c0 == '-');
}

std::string describe_bounds(double lo, double hi) {
  const bool has_lo = std::isfinite(lo);
  const bool has_hi = std::isfinite(hi);
  if (has_lo && has_hi) return fmt::format("between {} and {}", format_number(lo), format_number(hi));
  if (has_lo) return fmt::format("of at least {}", format_number(lo));
  if (has_hi) return fmt::format("of at most {}", format_number(hi));
  return {};
}

}  // namespace

std::string yaml_quote(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned>(c));
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string format_value(const ParamSpec& spec, const ParamValue& value) {
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, double>) {
          return format_number(v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (spec.type == ParamType::Choice && is_plain_word(v)) return v;
          return yaml_quote(v);
        } else {
          std::string out = "{";
          for (std::size_t i = 0; i < v.keys.size(); ++i) {
            if (i) out += ", ";
            out += format_number(v.keys[i]);
            out += ": ";
            out += i < v.values.size() ? format_number(v.values[i]) : std::string("~");
          }
          out += "}";
          return out;
        }
      },
      value);
}

std::string describe_range(const ParamSpec& spec) {
  const bool has_lo = std::isfinite(spec.min);
  const bool has_hi = std::isfinite(spec.max);
  switch (spec.type) {
    case ParamType::Real:
    case ParamType::Integer:
    case ParamType::Series:
      if (has_lo && has_hi) return format_number(spec.min) + ".." + format_number(spec.max);
      if (has_lo) return ">= " + format_number(spec.min);
      if (has_hi) return "<= " + format_number(spec.max);
      return {};
    case ParamType::Boolean: return "true/false";
    case ParamType::Choice: {
      std::string out;
      for (const auto& c : spec.choices) {
        if (!out.empty()) out += "/";
        out += c;
      }
      return out;
    }
    case ParamType::Text: return {};
  }
  return {};
}

bool series_allows_dates(const ParamSpec& spec) {
  const auto& u = spec.key_unit;
  if (u.empty()) return true;
  return u.find("year") != std::string::npos || u.find("date") != std::string::npos;
}

std::string describe_series_key(const ParamSpec& spec) {
  const std::string unit = spec.key_unit.empty() ? std::string("key") : spec.key_unit;
  const bool vowel = std::string_view("aeiouAEIOU").find(unit.front()) != std::string_view::npos;
  std::string out = (vowel ? "an " : "a ") + unit;
  const auto b = describe_bounds(spec.key_min, spec.key_max);
  if (!b.empty()) out += " " + b;
  if (series_allows_dates(spec)) out += " or a date such as 2026-04-01";
  return out;
}

std::string describe_expected(const ParamSpec& spec) {
  const std::string unit = spec.unit.empty() ? std::string() : " (" + spec.unit + ")";
  const auto bounds = describe_bounds(spec.min, spec.max);
  const std::string range = bounds.empty() ? std::string() : " " + bounds;
  switch (spec.type) {
    case ParamType::Real: return "a number" + range + unit;
    case ParamType::Integer: return "a whole number" + range + unit;
    case ParamType::Boolean: return "true or false";
    case ParamType::Choice: {
      std::string out = "one of: ";
      for (std::size_t i = 0; i < spec.choices.size(); ++i) {
        if (i) out += ", ";
        out += spec.choices[i];
      }
      return out;
    }
    case ParamType::Text: return "text";
    case ParamType::Series: {
      const std::string key = spec.key_unit.empty() ? std::string("key") : spec.key_unit;
      std::string out = "a map from " + key + " to number";
      if (!bounds.empty()) out += " (values " + bounds + ")";
      if (series_allows_dates(spec)) {
        out += ", e.g. {2020: 0.5, 2026-04-01: 0.75}";
      } else {
        out += ", e.g. {18: 0.5, 45: 0.75}";
      }
      return out;
    }
  }
  return "a value";
}

std::string describe_value_expected(const ParamSpec& spec) {
  // What one value of a series must be (the series' own bounds and unit).
  const std::string unit = spec.unit.empty() ? std::string() : " (" + spec.unit + ")";
  const auto bounds = describe_bounds(spec.min, spec.max);
  return "a number" + (bounds.empty() ? std::string() : " " + bounds) + unit;
}

namespace {

bool leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

// Days in `month` (1-12) of `year`.
int days_in_month(int year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[month - 1] + (month == 2 && leap_year(year) ? 1 : 0);
}

}  // namespace

double decimal_year(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nan("");
  int doy = day;
  for (int m = 1; m < month; ++m) doy += days_in_month(year, m);
  const double days_in_year = leap_year(year) ? 366.0 : 365.0;
  return static_cast<double>(year) + static_cast<double>(doy - 1) / days_in_year;
}

std::string date_of_decimal_year(double x) {
  if (!std::isfinite(x) || x == std::floor(x) || x < 1 || x > 1e6) return "";
  const int year = static_cast<int>(std::floor(x));
  int day = static_cast<int>(std::lround((x - year) * (leap_year(year) ? 366 : 365))) + 1, month = 1;
  while (month <= 12 && day > days_in_month(year, month)) day -= days_in_month(year, month++);
  if (month > 12 || std::fabs(decimal_year(year, month, day) - x) >= 1e-9) return "";
  return fmt::format("{}-{:02d}-{:02d}", year, month, day);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto lower = [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  };
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::size_t> d((n + 1) * (m + 1));
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * (m + 1) + j]; };
  for (std::size_t i = 0; i <= n; ++i) at(i, 0) = i;
  for (std::size_t j = 0; j <= m; ++j) at(0, j) = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      std::size_t best = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        best = std::min(best, at(i - 2, j - 2) + 1);
      }
      at(i, j) = best;
    }
  }
  return at(n, m);
}

// ---------------------------------------------------------------------------------
// ParamTable

namespace {

[[noreturn]] void bad_spec(const ParamSpec& spec, const std::string& why) {
  throw std::logic_error(fmt::format("parameter '{}': {}", spec.path, why));
}

void check_number(const ParamSpec& spec, double v, const char* what) {
  if (!std::isfinite(v)) bad_spec(spec, fmt::format("{} {} is not finite", what, v));
  if (v < spec.min || v > spec.max) {
    bad_spec(spec, fmt::format("{} {} is outside [{}, {}]", what, format_number(v),
                               format_number(spec.min), format_number(spec.max)));
  }
}

}  // namespace

void ParamTable::add(ParamSpec spec) {
  // The path: dotted, non-empty segments, not the reserved top-level key.
  if (spec.path.empty()) bad_spec(spec, "empty path");
  {
    std::size_t start = 0;
    while (true) {
      const auto dot = spec.path.find('.', start);
      const auto seg = std::string_view(spec.path).substr(
          start, dot == std::string::npos ? std::string::npos : dot - start);
      if (seg.empty()) bad_spec(spec, "path has an empty segment");
      for (const char c : seg) {
        if (c == ' ' || c == '\t' || c == ':' || c == '#' || c == '[' || c == ']' ||
            c == '{' || c == '}' || c == ',') {
          bad_spec(spec, "path segments must be plain words");
        }
      }
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }
  if (spec.path == "extends" || spec.path.starts_with("extends.")) {
    bad_spec(spec, "'extends' is reserved for naming a base scenario file");
  }
  if (index_.count(spec.path) != 0) bad_spec(spec, "declared twice");
  // Neither a prefix of an existing setting nor below one.
  for (const auto& other : specs_) {
    if (other.path.starts_with(spec.path + ".")) {
      bad_spec(spec, fmt::format("is also a group (of '{}')", other.path));
    }
    if (spec.path.starts_with(other.path + ".")) {
      bad_spec(spec, fmt::format("lies below the setting '{}'", other.path));
    }
  }
  if (spec.min > spec.max) bad_spec(spec, "min > max");

  switch (spec.type) {
    case ParamType::Real: {
      const auto* v = std::get_if<double>(&spec.default_value);
      if (!v) bad_spec(spec, "default is not a double (type real)");
      check_number(spec, *v, "default");
      break;
    }
    case ParamType::Integer: {
      const auto* v = std::get_if<std::int64_t>(&spec.default_value);
      if (!v) bad_spec(spec, "default is not an int64 (type integer)");
      check_number(spec, static_cast<double>(*v), "default");
      break;
    }
    case ParamType::Boolean:
      if (!std::holds_alternative<bool>(spec.default_value)) {
        bad_spec(spec, "default is not a bool (type boolean)");
      }
      break;
    case ParamType::Choice: {
      const auto* v = std::get_if<std::string>(&spec.default_value);
      if (!v) bad_spec(spec, "default is not a string (type choice)");
      if (spec.choices.empty()) bad_spec(spec, "no choices declared");
      for (std::size_t i = 0; i < spec.choices.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
          if (spec.choices[i] == spec.choices[j]) {
            bad_spec(spec, fmt::format("choice '{}' listed twice", spec.choices[i]));
          }
        }
      }
      if (std::find(spec.choices.begin(), spec.choices.end(), *v) == spec.choices.end()) {
        bad_spec(spec, fmt::format("default '{}' is not one of the choices", *v));
      }
      break;
    }
    case ParamType::Text:
      if (!std::holds_alternative<std::string>(spec.default_value)) {
        bad_spec(spec, "default is not a string (type text)");
      }
      break;
    case ParamType::Series: {
      auto* s = std::get_if<Series>(&spec.default_value);
      if (!s) bad_spec(spec, "default is not a Series (type series)");
      if (s->keys.empty()) bad_spec(spec, "default series is empty");
      if (s->keys.size() != s->values.size()) {
        bad_spec(spec, "default series has different numbers of keys and values");
      }
      if (spec.key_min > spec.key_max) bad_spec(spec, "key_min > key_max");
      for (std::size_t i = 0; i < s->keys.size(); ++i) {
        const double k = s->keys[i];
        if (!std::isfinite(k)) bad_spec(spec, "default series key is not finite");
        if (k < spec.key_min || k > spec.key_max) {
          bad_spec(spec, fmt::format("default series key {} is outside [{}, {}]",
                                     format_number(k), format_number(spec.key_min),
                                     format_number(spec.key_max)));
        }
        if (i > 0 && !(k > s->keys[i - 1])) {
          bad_spec(spec, "default series keys are not strictly increasing");
        }
        check_number(spec, s->values[i], "default series value");
      }
      s->interp = spec.interp;
      break;
    }
  }
  index_.emplace(spec.path, specs_.size());
  specs_.push_back(std::move(spec));
}

const ParamSpec* ParamTable::find(std::string_view path) const {
  const auto it = index_.find(path);
  return it == index_.end() ? nullptr : &specs_[it->second];
}

// ---------------------------------------------------------------------------------
// Nesting dotted paths into YAML (used by merged_yaml and defaults_yaml)

namespace {

struct TreeNode {
  std::string name;
  const ParamSpec* spec = nullptr;  // set on leaves
  std::vector<TreeNode> children;   // in order of first declaration
};

void emit(const TreeNode& node, int depth, const NestedYamlWriter& w, std::string& out) {
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  for (const auto& child : node.children) {
    if (child.spec) {
      out += w.before(*child.spec, indent);
      const auto [value, comment] = w.value(*child.spec);
      out += indent + child.name + ": " + value;
      if (!comment.empty()) out += "  # " + comment;
      out += "\n";
    } else {
      if (w.before_group) out += w.before_group(child.name, depth, indent);
      out += indent + child.name + ":\n";
      emit(child, depth + 1, w, out);
    }
  }
}

}  // namespace

std::string nested_yaml(const ParamTable& table, const NestedYamlWriter& w) {
  TreeNode root;
  for (const auto& spec : table.all()) {
    TreeNode* node = &root;
    std::size_t start = 0;
    while (true) {
      const auto dot = spec.path.find('.', start);
      const std::string seg = spec.path.substr(
          start, dot == std::string::npos ? std::string::npos : dot - start);
      auto it = std::find_if(node->children.begin(), node->children.end(),
                             [&](const TreeNode& c) { return c.name == seg; });
      if (it == node->children.end()) {
        node->children.push_back(TreeNode{seg, nullptr, {}});
        it = node->children.end() - 1;
      }
      node = &*it;
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    node->spec = &spec;
  }
  std::string out;
  emit(root, 0, w, out);
  return out;
}

}  // namespace averted
