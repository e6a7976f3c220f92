// The posterior file: weighted parameter draws written by `averted calibrate`, read
// by `run`/`compare --posterior` and by a resumed calibration (its checkpoint has the
// same format with every generation). Plain CSV with `#` header lines, written
// atomically, ending with a line that holds the row count and a checksum, so a
// truncated or edited file is refused. Format: docs/calibration.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "scenario/scenario.hpp"

namespace averted::calibration {

struct Posterior {
  std::string method;          // in words, with the settings
  std::string scenario_file, scenario_hash;
  std::string targets_file, targets_hash;
  int until_year = 0;
  double population_scale = 1;
  std::string settings;        // "particles=... proposals=... generations=... seed=..."
  std::vector<std::string> paths;  // calibrated parameters
  // One row per particle: generation, normalised weight (within its generation),
  // distance, values[path].
  std::vector<std::uint32_t> generation;
  std::vector<double> weight, distance;
  std::vector<std::vector<double>> values;
  std::vector<double> tolerance;  // per generation
  // Per generation, when the calibration measured it (else empty): the 95th percentile
  // of the distances of runs at the generation's weighted mean, the range chance alone
  // gives there (abc_smc.hpp, the stopping rule). Written as '# chance: ...' only when
  // present, so posteriors from before the rule still load.
  std::vector<double> chance;
  // When the generation after the last collapsed and was not kept (abc_smc.hpp): its
  // effective sample size (at least 1); else 0. Written as '# collapsed: ...' only then.
  double collapsed = 0;
  std::size_t rows() const { return weight.size(); }
  // The rows of the last generation only.
  Posterior last_generation() const;
  // Kish's effective sample size of generation g's weights, (sum w)^2 / sum w^2: far
  // below the number of particles, the generation rests on a few draws (0 if g has no rows).
  double effective_sample_size(std::uint32_t g) const;
};

// Writes `<file>.partial`, flushes it and renames it to `file`.
void write_posterior(const std::filesystem::path& file, const Posterior& posterior);
// Reads and checks a posterior file; throws std::runtime_error naming the file, line,
// what is wrong, what was expected and what to do.
Posterior read_posterior(const std::filesystem::path& file);
// Refuses (std::runtime_error) a posterior whose parameters are not number settings of
// the scenario's table or whose values lie outside their ranges.
void check_posterior(const Posterior& posterior, const Scenario& scenario, const std::filesystem::path& file);
// `draws` equally weighted parameter sets drawn from the weighted rows by systematic
// resampling with one uniform keyed by the seed (the same sets for the same seed).
std::vector<std::vector<std::pair<std::string, double>>> resample(const Posterior& posterior, std::uint32_t draws,
                                                                  std::uint32_t seed);
// SHA-1 (hex) of a file's bytes.
std::string file_sha1(const std::filesystem::path& file);

}  // namespace averted::calibration
