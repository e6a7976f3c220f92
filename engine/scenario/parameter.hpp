// The parameter table: every scenario parameter is declared exactly once, here-typed,
// with unit, range, default, description and source. The same declaration drives
// parsing, validation, `averted params`, the JSON Schema and the generated docs.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace averted {

enum class ParamType {
  Real,     // a number (YAML scalar)
  Integer,  // a whole number
  Boolean,  // true / false
  Choice,   // one of a fixed list of words
  Text,     // free text (names, descriptions)
  Series,   // a piecewise function of a key (calendar year or age): {key: value, ...}
};

// A piecewise function of one key (a calendar year, a date, an age).
// Step series hold each value from its key until the next key (policy changes
// "from April 2026"); linear series interpolate between keys. Both hold the first
// value before the first key and the last value after the last key.
struct Series {
  enum class Interp : std::uint8_t { Step, Linear };
  Interp interp = Interp::Step;
  std::vector<double> keys;    // strictly increasing
  std::vector<double> values;  // same length as keys, at least one element

  double at(double key) const;
  // The first key strictly after `key` at which the value changes, or +infinity.
  double next_change_after(double key) const;
  bool operator==(const Series&) const = default;
};

using ParamValue = std::variant<double, std::int64_t, bool, std::string, Series>;

struct ParamSpec {
  std::string path;  // dotted YAML path, e.g. "overdose.fatality"
  ParamType type = ParamType::Real;
  std::string unit;  // "per person-year", "probability", "weeks", "people", ...
  double min = -std::numeric_limits<double>::infinity();  // bounds on values (Real,
  double max = std::numeric_limits<double>::infinity();   // Integer, Series values)
  // Series only: what the key is ("calendar year", "age"), its bounds, interpolation.
  std::string key_unit;
  double key_min = -std::numeric_limits<double>::infinity();
  double key_max = std::numeric_limits<double>::infinity();
  Series::Interp interp = Series::Interp::Step;
  std::vector<std::string> choices;  // Choice only
  ParamValue default_value;
  std::string description;  // one or two sentences a policy analyst can follow
  std::string source;       // evidence row (evidence.csv key) or published source
};

std::string_view to_string(ParamType);

class ParamTable {
 public:
  // Throws std::logic_error on a duplicate path, a default of the wrong type or
  // outside its range: the table itself is checked when it is built.
  // Also checked: series keys strictly increasing and inside [key_min, key_max], a
  // choice default among the choices, finite numbers, and no path that is both a
  // setting and a group ("overdose" and "overdose.rate"). A series default takes the
  // spec's `interp`.
  void add(ParamSpec spec);
  const ParamSpec* find(std::string_view path) const;
  const std::vector<ParamSpec>& all() const { return specs_; }

 private:
  std::vector<ParamSpec> specs_;
  std::map<std::string, std::size_t, std::less<>> index_;  // path -> position in specs_
};

// ---- Helpers shared by the scenario loader, the CLI and the generated docs ----

// The shortest text that reads back as exactly `x`: "0.05", "2026.25", "1e-07".
std::string format_number(double x);
// A value as YAML text: numbers plain, text double-quoted, a series as a flow map
// "{2020: 0.5, 2026.25: 0.75}". Reading it back gives the same value.
std::string format_value(const ParamSpec& spec, const ParamValue& value);
// What a valid value looks like, for error messages and listings:
// "a number between 0 and 1 (probability)", "one of: fifo, random, risk",
// "a map from calendar year to number, e.g. {2020: 0.5, 2026-04-01: 0.75}".
std::string describe_expected(const ParamSpec& spec);
// The allowed range in short form: "0..1", ">= 0", "<= 5", "" when unbounded.
std::string describe_range(const ParamSpec& spec);
// A calendar date as a decimal year: year + (day_of_year - 1) / days_in_year.
// Returns NaN for an impossible date (month 13, 30 February).
double decimal_year(int year, int month, int day);
// The inverse, for readers: "2026-04-01" for decimal_year(2026, 4, 1); "" when `x` is a
// whole year or not the decimal year of any date.
std::string date_of_decimal_year(double x);
// Damerau-Levenshtein (optimal string alignment) distance, case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace averted
