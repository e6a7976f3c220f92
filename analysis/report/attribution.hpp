// How much each difference between two forecasts moves deaths averted: for every
// setting that differs, forecast A is run again with that one setting as in B (in the
// comparator and in each matched scenario), on A's grid (seed, draws, replicates), so
// each run pairs with A's run of the same draw and replicate. Used by
// `averted report --compare A.h5 B.h5 --attribute`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace averted::report {

struct Forecast;

struct Attribution {
  std::string path;  // the setting
  // Per matched scenario (same order as the pairs given): change in deaths averted over
  // A's horizon when only this setting is as in B; mean and 95% interval over the pairs.
  std::vector<double> mean, lower, upper;
};

// `matched`: (scenario index in A, index in B). `paths`: the settings to try, one at a
// time. `work`: a folder for the temporary scenario and results files (removed after).
// Throws std::runtime_error if a scenario cannot be rebuilt exactly from the file (its
// hash differs) or a run fails.
std::vector<Attribution> attribute(const Forecast& a, const Forecast& b,
                                   const std::vector<std::pair<std::size_t, std::size_t>>& matched,
                                   const std::vector<std::string>& paths, const std::filesystem::path& work,
                                   int threads, const std::function<void(const std::string&)>& say = {});

}  // namespace averted::report
