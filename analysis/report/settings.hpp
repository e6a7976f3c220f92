// The settings of a scenario as recorded in a results file (its merged YAML, each value
// followed by "# from <file>:<line>" or "# default"), and the differences between two.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace averted::report {

struct SettingText {
  std::string value;   // as YAML text, e.g. "3" or "{2024: 0.53, 2026.25: 0.75}"
  std::string origin;  // "scenarios/england/naloxone.yaml:9", or "" for the model's default
};

// Every setting of a merged scenario YAML (Scenario::merged_yaml), by dotted path.
// Throws std::runtime_error naming the line when a line is not of that form.
std::map<std::string, SettingText> settings_of(const std::string& merged_yaml);

struct Change {
  std::string path;
  std::string description, unit, source;  // from the parameter table ("" if the path is unknown to it)
  std::string before, after;              // the value in the first and in the second scenario
  std::string origin_before, origin_after;
};

// A text setting's value as written in the merged YAML ("\"Naloxone \\\"scale-up\\\"\"")
// back to plain text; other values are returned unchanged.
std::string plain_text(const std::string& yaml_value);

// A setting's value for readers: calendar dates stored as decimal years
// (2026.2465753424658) as dates (2026-04-01), whole numbers without exponents.
std::string readable_value(const std::string& path, const std::string& yaml_value);

// The settings whose values differ, in path order; scenario.name and
// scenario.description (the scenario's own label) are left out. Values as readable_value.
std::vector<Change> changes(const std::string& merged_yaml_before, const std::string& merged_yaml_after);

}  // namespace averted::report
