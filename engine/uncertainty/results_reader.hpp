// Reads runs back from a results file (complete or .partial), for resuming a
// comparison and for copying runs between files. Read-only; never open a file that a
// ResultsFile in this process is still writing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "results/run_outputs.hpp"

namespace averted {

class ResultsReader {
 public:
  // Throws std::runtime_error (with the path) if the file cannot be opened or is not
  // an Averted results file.
  explicit ResultsReader(const std::filesystem::path& path);
  ~ResultsReader();
  ResultsReader(const ResultsReader&) = delete;
  ResultsReader& operator=(const ResultsReader&) = delete;

  std::uint32_t scenarios() const { return scenarios_; }
  std::uint32_t draws() const { return draws_; }
  std::uint32_t replicates() const { return replicates_; }
  // /runs/done[s, d, r] == 1.
  bool done(std::uint32_t s, std::uint32_t d, std::uint32_t r) const;
  // One run's tables, as the model declared them (names, types and sizes are checked
  // against the file; std::runtime_error if they differ).
  RunOutputs read_run(const std::vector<TableSpec>& tables, std::uint32_t s, std::uint32_t d,
                      std::uint32_t r) const;

 private:
  std::filesystem::path path_;
  long long file_ = -1;  // hid_t
  std::uint32_t scenarios_ = 0, draws_ = 0, replicates_ = 0;
  std::vector<std::uint8_t> done_;
};

}  // namespace averted
