// Everything a report shows, read from one results file written by `averted compare`
// (layout: docs/results-format.md). Summaries are taken from /summary as written;
// yearly bands, breakdowns and people by state are computed from the per-run tables in
// /results, read with ResultsReader.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace averted::report {

// One /summary/<name> table: values[scenario][period][statistic].
struct Summary {
  std::string name, unit, description;
  std::vector<std::string> scenarios, periods, statistics;
  std::vector<double> values;
  std::size_t statistic(const std::string& name) const;  // index; throws if absent
  double at(std::size_t scenario, std::size_t period, const std::string& stat) const;
};

struct ScenarioInfo {
  std::string name, file, hash, merged_yaml;
};

// The quantiles shown in fan charts, as fractions.
inline constexpr std::array<double, 5> kBandQuantiles = {0.025, 0.25, 0.5, 0.75, 0.975};

// A table summed over all but one dimension and over the horizon's years, averaged over runs.
struct Breakdown {
  std::string table, dim;
  std::vector<std::string> labels;
  std::vector<std::vector<double>> mean;  // [scenario][label]
};

// A series the model was calibrated to (the /observed/<id> group).
struct Observed {
  std::string id, label, unit, source, geography, mapping;
  bool primary = false;
  std::vector<int> years;
  std::vector<double> value, lower, upper;
  std::vector<double> model;  // [scenario][quantile (kBandQuantiles)][year], row-major
  double model_at(std::size_t s, std::size_t q, std::size_t i) const { return model[(s * 5 + q) * years.size() + i]; }
};

struct Calibration {
  std::map<std::string, std::string> attrs;  // method, posterior, posterior_hash, until_year, ...
  std::vector<std::string> series;
  std::vector<double> mape, coverage95;
  std::vector<int> n_years;
};

struct Forecast {
  std::filesystem::path file;
  std::string code_version, created_utc, command_line, host;
  std::vector<std::string> resume_history;
  std::uint32_t master_seed = 0, draws = 0, replicates = 0;
  std::vector<ScenarioInfo> scenarios;  // index 0 is the comparator
  std::map<std::string, Summary> summaries;
  // Sampled parameter values (compare --draws): always with several draws; with one,
  // when the recorded command line gave --draws or -d.
  bool sampled_parameters = false;
  std::string horizon;  // the summary range, "2026-2030"
  std::vector<double> averted_pairs;  // deaths averted over the horizon, [scenario][draw][replicate]
  int from = 0, to = 0;

  std::vector<int> years;  // every calendar year of the run
  // Deaths (all causes) per year: [scenario][quantile (kBandQuantiles)][year], over every run.
  std::vector<std::array<std::vector<double>, 5>> deaths_bands;
  Breakdown by_cause, by_age;
  // People in each living state at the start of each year, mean over runs: [scenario][state][year].
  std::vector<std::string> states;
  std::vector<std::vector<std::vector<double>>> people;

  std::vector<Observed> observed;
  std::optional<Calibration> calibration;

  const Summary& summary(const std::string& name) const;  // throws naming the file if absent
  bool has_summary(const std::string& name) const { return summaries.count(name) > 0; }
  std::size_t horizon_period() const;  // index of the range total in the summaries' periods
};

// Reads and checks a complete results file made by `averted compare`. Throws
// std::runtime_error naming the file, the object and what is wrong or missing.
Forecast read_forecast(const std::filesystem::path& path);

}  // namespace averted::report
