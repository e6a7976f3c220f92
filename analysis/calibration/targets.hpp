// Calibration targets: observed series (ONS deaths, NDTMS numbers in treatment, ...)
// and, for each, the explicit mapping from the model's output tables to the observed
// quantity. The file format is documented in docs/calibration.md ("Targets file").
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "results/run_outputs.hpp"

namespace averted::calibration {

// One selection of cells of one model output table: the table's year dimension is kept,
// every other dimension is summed over the labels listed (all labels when not listed).
struct Term {
  std::string table;
  std::vector<std::pair<std::string, std::vector<std::string>>> select;  // dimension -> labels
};

enum class Likelihood { Normal, Poisson, NegativeBinomial };

struct Target {
  std::string id, label, unit, source, geography;
  bool primary = false;
  Likelihood likelihood = Likelihood::Normal;
  double dispersion = 0;  // negative_binomial: size k (variance mu + mu^2 / k)
  double weight = 1;      // 0: reported beside the fit, not fitted
  // Model counterpart: sum(numerator) [/ sum(denominator)] per year, after the
  // registration delay; a count (no denominator) is divided by run.population_scale
  // and multiplied by `factor`.
  std::vector<Term> numerator, denominator;
  double registration_delay = 0;  // share of a year's events counted in the next year
  double factor = 1;
  std::string factor_source;  // required when factor != 1
  std::string note;           // the author's words on what is compared
  std::vector<int> years;
  std::vector<double> value, lower, upper;  // lower/upper: 95% interval (NaN when not given)
  int line = 0;                            // where the series starts in the file

  // The mapping in plain words (written into results files), generated from the fields.
  std::string mapping() const;
  // sd of an observation for the normal likelihood: (upper - lower) / 3.92.
  double normal_sd(std::size_t k) const;
  // The 95% interval of observation k: as given, or from the likelihood around the value.
  std::pair<double, double> interval(std::size_t k) const;
  // Deviance of observation k given the model's expectation `mu` (0 when they agree):
  // -2 log(L(mu) / L(best)).
  double deviance(std::size_t k, double mu) const;
  // The variance of observation k under the likelihood (normal: sd^2; Poisson: the
  // value; negative binomial: value + value^2 / k).
  double variance(std::size_t k) const;
};

struct TargetSet {
  std::filesystem::path file;
  std::string hash;  // SHA-1 of the file's bytes
  std::vector<Target> targets;

  // Only the observations up to `until` (inclusive); series left empty are dropped.
  TargetSet until(int year) const;
  std::size_t observations() const;
};

// Reads a targets file (YAML). Throws ScenarioErrors (every problem found, each with
// file, line, path, value, expectation and advice).
TargetSet load_targets(const std::filesystem::path& file);

// Checks every table, dimension and label named by the targets against the model's
// tables; throws ScenarioErrors (with the targets file's lines) if any is unknown.
void check_against(const TargetSet& targets, const std::vector<TableSpec>& tables);

// The model's counterpart of every observation, in the order of the targets and their
// years (NaN for a year outside the run), from one run's tables; then, for each
// observation in the same order, its chance variance in a run of this population
// scale (Poisson for a count: value x factor / scale; binomial for a share:
// p (1 - p) / simulated denominator). With a registration delay s, a year's counterpart
// mixes two years' independent events, so its variance counts them with weights
// (1 - s)^2 and s^2 (for a share, through the denominator's effective number of
// cases). So the result has 2 x observations() values.
std::vector<double> counterparts(const TargetSet& targets, const std::vector<TableSpec>& tables,
                                 const RunOutputs& run, double population_scale);

// The counterparts of N runs of one parameter set (each as counterparts() returns
// them) combined into those of their mean: each observation's mean over the runs, and
// its chance variance divided by N (the chance variance of a mean of N independent
// runs), so distance() allows for the chance left in the mean, not in one run.
std::vector<double> mean_of_replicates(const std::vector<std::vector<double>>& runs);

// Weighted sum over all observations of the deviance given the counterparts, each
// scaled by var_obs / (var_obs + var_chance): the observation's variance under its
// likelihood against that plus the run's own chance variance, so that chance in a
// reduced-scale run is not mistaken for misfit (the distance calibration minimises).
// A fitted observation without a counterpart (a share whose denominator the run left
// at 0, such as nobody in treatment: years outside the run are refused before any run)
// makes the distance infinite: those parameters cannot reproduce the observation.
double distance(const TargetSet& targets, const std::vector<double>& counterparts);

std::string to_string(Likelihood);

}  // namespace averted::calibration
