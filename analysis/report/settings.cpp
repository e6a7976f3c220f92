#include "report/settings.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <regex>
#include <stdexcept>

#include <fmt/format.h>

#include "model/parameters.hpp"
#include "report/html.hpp"
#include "scenario/parameter.hpp"

namespace averted::report {

std::map<std::string, SettingText> settings_of(const std::string& yaml) {
  std::map<std::string, SettingText> out;
  std::vector<std::string> groups;  // the group names enclosing the current line
  std::size_t start = 0;
  for (int line_no = 1; start < yaml.size(); ++line_no) {
    std::size_t end = yaml.find('\n', start);
    if (end == std::string::npos) end = yaml.size();
    const std::string line = yaml.substr(start, end - start);
    start = end + 1;
    const std::size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos || line[indent] == '#') continue;
    auto fail = [&](const char* what) {
      throw std::runtime_error(fmt::format("merged scenario YAML, line {}: {}: '{}'", line_no, what, line));
    };
    if (indent % 2) fail("indentation is not a multiple of two spaces");
    const std::size_t colon = line.find(':', indent);
    if (colon == std::string::npos) fail("no 'key:'");
    groups.resize(std::min(groups.size(), indent / 2));
    const std::string key = line.substr(indent, colon - indent);
    if (colon + 1 == line.size()) {  // a group: "overdose:"
      groups.push_back(key);
      continue;
    }
    std::string path;
    for (const auto& g : groups) path += g + ".";
    path += key;
    std::string rest = line.substr(colon + 1);
    SettingText s;
    if (const auto hash = rest.rfind("  # "); hash != std::string::npos) {
      const std::string comment = rest.substr(hash + 4);
      s.origin = comment.rfind("from ", 0) == 0 ? comment.substr(5) : "";
      rest.resize(hash);
    }
    s.value = rest.substr(rest.find_first_not_of(' ') == std::string::npos ? rest.size() : rest.find_first_not_of(' '));
    out[path] = std::move(s);
  }
  return out;
}

std::string plain_text(const std::string& v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return v;
  std::string out;
  for (std::size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] != '\\' || i + 2 >= v.size()) {
      out += v[i];
      continue;
    }
    const char e = v[++i];
    if (e == 'n') out += '\n';
    else if (e == 't') out += '\t';
    else if (e == 'r') out += '\r';
    else if (e == 'x' && i + 2 < v.size()) out += static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16)), i += 2;
    else out += e;
  }
  return out;
}

namespace {

// `v` with sub-match `group` of every match of `re` replaced by `fn` of its text.
std::string replace_each(const std::string& v, const std::regex& re, int group,
                         const std::function<std::string(const std::string&)>& fn) {
  std::string out;
  auto it = v.cbegin();
  for (std::smatch m; std::regex_search(it, v.cend(), m, re); it = m[group].second) {
    out.append(it, m[group].first);
    out += fn(m[group].str());
  }
  out.append(it, v.cend());
  return out;
}

// "2026.2465753424658" -> "2026-04-01": the inverse of decimal_year() for the dates of
// calendar-year settings; whole years and other numbers are left as they are.
std::string with_dates(const std::string& v) {
  static const std::regex decimal_number(R"((^|[^0-9.])((1[89]|2[0-2])[0-9][0-9]\.[0-9]+))");
  return replace_each(v, decimal_number, 2, [](const std::string& text) {
    const std::string date = averted::date_of_decimal_year(std::stod(text));
    return date.empty() ? text : date;
  });
}

// "2.4e+08" -> "240,000,000": whole numbers written in exponent form, for readers.
std::string without_exponents(const std::string& v) {
  static const std::regex exponent(R"([0-9.]+e\+[0-9]+)");
  return replace_each(v, exponent, 0, [](const std::string& text) {
    const double x = std::stod(text);
    return x == std::floor(x) && x < 1e15 ? rounded(x, Style::Count) : text;
  });
}

}  // namespace

std::string readable_value(const std::string& path, const std::string& yaml_value) {
  const ParamSpec* spec = standard_parameters().find(path);
  const bool dates = spec && (spec->unit == "calendar year" || spec->key_unit == "calendar year");
  return without_exponents(dates ? with_dates(yaml_value) : yaml_value);
}

std::vector<Change> changes(const std::string& before_yaml, const std::string& after_yaml) {
  const auto before = settings_of(before_yaml), after = settings_of(after_yaml);
  const ParamTable& table = standard_parameters();
  std::vector<Change> out;
  auto add = [&](const std::string& path, const SettingText* b, const SettingText* a) {
    if (path == "scenario.name" || path == "scenario.description") return;
    if (b && a && b->value == a->value) return;
    Change c;
    c.path = path;
    if (const ParamSpec* spec = table.find(path)) {
      c.description = spec->description;
      c.unit = spec->unit;
      c.source = spec->source;
    }
    auto shown = [&](const SettingText* s) { return s ? readable_value(path, s->value) : std::string("(not set)"); };
    c.before = shown(b);
    c.after = shown(a);
    c.origin_before = b ? b->origin : "";
    c.origin_after = a ? a->origin : "";
    out.push_back(std::move(c));
  };
  for (const auto& [path, b] : before) {
    const auto it = after.find(path);
    add(path, &b, it == after.end() ? nullptr : &it->second);
  }
  for (const auto& [path, a] : after) {
    if (!before.count(path)) add(path, nullptr, &a);
  }
  std::sort(out.begin(), out.end(), [](const Change& x, const Change& y) { return x.path < y.path; });
  return out;
}

}  // namespace averted::report
