// Internal to engine/scenario: helpers shared by parameter.cpp, scenario.cpp and
// schema.cpp. Not part of the public API.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "scenario/parameter.hpp"

namespace averted {

// A YAML double-quoted string with escapes, readable by any YAML parser.
std::string yaml_quote(std::string_view s);

// Whether a series' keys may be written as dates (calendar-year keys).
bool series_allows_dates(const ParamSpec& spec);
// "a calendar year between 1980 and 2100 or a date such as 2026-04-01"
std::string describe_series_key(const ParamSpec& spec);
// What one value inside a series must be: "a number of at least 0 (kits)".
std::string describe_value_expected(const ParamSpec& spec);

// Writes the table's parameters as nested YAML, groups in order of first declaration.
struct NestedYamlWriter {
  // Lines (each ending in '\n', already indented) written before a setting.
  std::function<std::string(const ParamSpec&, const std::string& indent)> before;
  // The value text and the trailing comment (without '#'; empty for none).
  std::function<std::pair<std::string, std::string>(const ParamSpec&)> value;
  // Optional: lines written before a group header.
  std::function<std::string(const std::string& name, int depth, const std::string& indent)>
      before_group;
};
std::string nested_yaml(const ParamTable& table, const NestedYamlWriter& writer);

}  // namespace averted
