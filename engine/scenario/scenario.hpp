// Scenario files: YAML, layered with `extends:`, checked against the ParamTable before
// any work starts. Every error is collected (not just the first) and each names the
// file, line, YAML path, the value found, what was expected and, for unknown keys,
// the closest known key.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenario/distribution.hpp"
#include "scenario/parameter.hpp"

namespace averted {

struct Origin {
  std::string file;  // empty: the parameter table's default
  int line = 0;      // 1-based; 0 when from the default
  std::string describe() const;  // "scenarios/england/baseline.yaml:42" or "default"
};

struct Setting {
  ParamValue value;  // with a distribution: its mean (the central value)
  Origin origin;
  // Parameter uncertainty (number settings only): set when the file gives
  // {distribution: ..., source: ...}. A later file that sets a plain value removes it.
  std::optional<Distribution> distribution;
};

struct ScenarioError {
  std::string file;
  int line = 0;  // 1-based, 0 if unknown
  std::string yaml_path;
  std::string value;
  std::string expected;
  std::string suggestion;  // "did you mean 'overdose.fatality'?" or other advice
  // For errors that are not about a value's type or range (unknown key, YAML syntax,
  // missing file, extends cycle): the problem in words, replacing "got '<value>'".
  std::string problem;
  // One line: "<file>:<line>: <yaml_path>: got '<value>'; expected <expected>; <suggestion>"
  // or, with a problem, "<file>:<line>: <yaml_path>: <problem>[; expected <expected>]
  // [; <suggestion>]". ":<line>" is left out when the line is unknown (0), and
  // "<yaml_path>: " when there is no path. An empty value reads "got an empty value".
  std::string format() const;
};

class ScenarioErrors : public std::runtime_error {
 public:
  // what(): "N error(s) in scenario <file>:" then each error's format(), one a line.
  // Without a scenario file, the first error's file is named.
  explicit ScenarioErrors(std::vector<ScenarioError> errors);
  ScenarioErrors(std::vector<ScenarioError> errors, const std::string& scenario_file);
  const std::vector<ScenarioError>& errors() const { return errors_; }

 private:
  std::vector<ScenarioError> errors_;
};

class Scenario {
 public:
  // Typed access; throws std::logic_error if the path is undeclared or of another
  // type (a programming error, never a user error: validation ran already).
  double real(std::string_view path) const;
  std::int64_t integer(std::string_view path) const;
  bool boolean(std::string_view path) const;
  const std::string& text(std::string_view path) const;  // Text and Choice
  const Series& series(std::string_view path) const;
  const Setting& setting(std::string_view path) const;

  // Every declared parameter, merged (defaults, then each file from the base to the
  // leaf), keyed by path (sorted). A series set in a file replaces the whole series.
  const std::map<std::string, Setting, std::less<>>& settings() const { return settings_; }
  // The files read, base first; the leaf file is the scenario itself.
  const std::vector<std::filesystem::path>& files() const { return files_; }
  // The merged scenario as YAML, nested in the table's declaration order, each value
  // followed by "  # from <file>:<line>" or "  # default". load_scenario() reads it
  // back to the same values (and the same hash).
  std::string merged_yaml() const;
  // SHA-1 (hex) of the merged values in canonical form: two scenarios with the same
  // hash run the same model.
  std::string hash() const;

  // Builds a scenario from the table's defaults alone (used by tests and `params`).
  static Scenario defaults(const ParamTable& table);
  // For tests and tools. Throws std::logic_error for an undeclared path or a value of
  // the wrong type (ranges are not checked here).
  void set(std::string path, ParamValue value, Origin origin);
  // Attaches a distribution to a number setting and sets its value to the
  // distribution's mean. Throws std::logic_error for an undeclared or non-Real path.
  void set_distribution(std::string path, Distribution distribution, Origin origin);
  // Replaces the value of a setting that carries a distribution by one draw from it
  // (keeping the distribution and origin). Throws std::logic_error otherwise.
  void set_drawn_value(std::string_view path, double value);
  // True when any setting carries a distribution.
  bool uncertain() const;
  const ParamTable* table() const { return table_; }

 private:
  friend Scenario load_scenario(const std::filesystem::path&, const ParamTable&);
  const ParamTable* table_ = nullptr;
  std::map<std::string, Setting, std::less<>> settings_;
  std::vector<std::filesystem::path> files_;
};

// Reads `path` and the chain of files it extends, validates everything against the
// table and throws ScenarioErrors listing every problem found. The scenario keeps a
// pointer to `table`, which must outlive it (as for Scenario::defaults).
Scenario load_scenario(const std::filesystem::path& path, const ParamTable& table);

}  // namespace averted
