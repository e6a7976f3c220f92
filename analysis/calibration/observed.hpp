// The observed series beside the model's, in a results file: /observed/<series>/ and
// /calibration (layout in docs/results-format.md). Collects each run's counterparts of
// the targets as runs finish and writes the groups just before the file is finalized.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "calibration/targets.hpp"
#include "results/results_file.hpp"

namespace averted::calibration {

struct CalibrationInfo {
  std::string method = "none (no posterior: the scenario's own parameter values or distributions)";
  std::string posterior, posterior_hash;  // file name and SHA-1, empty without a posterior
  int until_year = 0;                     // last year fitted (0: no fit)
};

class ObservedWriter {
 public:
  ObservedWriter(TargetSet targets, std::vector<TableSpec> tables, double population_scale,
                 std::uint32_t scenarios, CalibrationInfo info);
  // One run's outputs (thread-safe).
  void add_run(std::uint32_t scenario, std::uint32_t draw, std::uint32_t replicate, const RunOutputs& outputs);
  // Runs already in a partial results file (resume); call before the file is reopened.
  void add_existing(const std::filesystem::path& partial);
  // Writes /observed and /calibration from the runs with replicate < replicates.
  void write(ResultsFile& file, std::uint32_t replicates) const;

  // Per series: MAPE (percent) of scenario 0's median against the observations up to
  // until_year (all when 0), the share of them inside its 95% interval, and their
  // number; computed from the runs collected.
  struct Fit {
    std::vector<double> mape, coverage95;
    std::vector<int> n_years;
    std::vector<std::vector<double>> quantiles;  // [series][(scenario * 5 + q) * n + k]
  };
  Fit fit(std::uint32_t replicates) const;
  const TargetSet& targets() const { return targets_; }

 private:
  TargetSet targets_;
  std::vector<TableSpec> tables_;
  double scale_;
  std::uint32_t scenarios_;
  CalibrationInfo info_;
  mutable std::mutex mutex_;
  std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, std::vector<double>> runs_;
};

// The 2.5, 25, 50, 75 and 97.5% points reported for every series.
inline constexpr double kReportedQuantiles[5] = {0.025, 0.25, 0.5, 0.75, 0.975};

}  // namespace averted::calibration
