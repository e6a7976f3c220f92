// `averted compare`: scenarios x parameter draws x replicates on one grid, then, per
// (draw, replicate) pair, each scenario against the comparator (scenario 0): deaths
// averted and life-years gained, summarised (mean, median, 95% interval, Monte Carlo
// standard error) over a year range, written under /summary in the results file and
// as CSV files. See docs/uncertainty.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "run/ensemble.hpp"

namespace averted {

// What the summaries need from one run: per calendar year of the run, deaths and
// life-years lost (deaths weighted by remaining life expectancy at the age of death).
struct RunReduction {
  std::vector<double> deaths;
  std::vector<double> life_years_lost;  // from the model's life_years_lost table; empty if none
  std::vector<double> costs;            // from the model's costs_discounted table; empty if none
};

// The calendar years of the model's period axis, and the reduction of one run.
std::vector<int> output_years(const std::vector<TableSpec>& tables);
RunReduction reduce_run(const std::vector<TableSpec>& tables, const RunOutputs& outputs);


// One summary table: values[scenario][period][statistic], row-major.
struct SummaryTable {
  std::string name, unit, description;
  std::string statistic_dim;  // dimension name of the statistics axis
  std::vector<std::string> scenarios, periods, statistics;
  std::vector<double> values;
  double at(std::size_t s, std::size_t p, std::size_t k) const {
    return values[(s * periods.size() + p) * statistics.size() + k];
  }
};

struct Summaries {
  std::vector<SummaryTable> tables;  // deaths, deaths_averted, life_years_gained, costs, ...
  // Per pair: deaths averted over the whole range, [scenario][draw][replicate].
  std::vector<double> averted_pairs;
  std::uint32_t draws = 0, replicates = 0;
  std::string range_label;  // "2026-2030"
};

// Summaries of a complete grid. `runs` is indexed [(s * draws + d) * replicates + r].
// Years outside [from, to] are left out; the range total is the last period.
Summaries summarise(const std::vector<std::string>& scenarios, std::uint32_t draws, std::uint32_t replicates,
                    const std::vector<RunReduction>& runs, const std::vector<int>& years, int from, int to);

// Monte Carlo standard error of the mean of values[d * replicates + r]: with one
// draw, sd / sqrt(replicates); with several, the sd of the draw means / sqrt(draws)
// (draws are the independent units; replicates within a draw share its parameters).
double monte_carlo_se(const std::vector<double>& values, std::uint32_t draws, std::uint32_t replicates);
// Quantile p of the values (linear interpolation between order statistics, as numpy's default).
double quantile(std::vector<double> values, double p);

struct CompareRequest {
  EnsembleRequest ensemble;  // output, scenarios, draws, replicates, resume, ...
  int from_year = 0, to_year = 0;  // 0: the run's first / last year
  // > 0: add replicates (from ensemble.replicates, at least 5) until the Monte Carlo
  // standard error of deaths averted over the range is below this for every scenario,
  // or max_replicates is reached.
  double until_precision = 0;
  std::uint32_t max_replicates = 1000;
  bool write_csv = true;
};

struct CompareResult {
  EnsembleSummary ensemble;
  bool complete = false;          // the final file is written
  std::uint32_t replicates = 0;   // replicates used
  bool precision_reached = false; // with until_precision
  double standard_error = 0;      // largest MC standard error of deaths averted (range)
  std::vector<std::filesystem::path> csv_files;
  std::optional<Summaries> summaries;
  std::string report;             // the summary as text, for the terminal
};

CompareResult run_comparison(const CompareRequest& request,
                             const std::function<void(const RunProgress&)>& progress = {});

}  // namespace averted
