// The HDF5 results file: every run's tables, labelled, with the provenance needed to
// reproduce them. The on-disk layout is documented in docs/results-format.md.
//
// Life cycle: create() makes "<final>.partial"; write_run() fills one (scenario, draw,
// replicate) slice and flushes; finalize() checks that every run is there, marks the
// file complete and renames it to <final> atomically. A crash (or destruction without
// finalize) leaves only the .partial, whose root attribute `complete` is 0, and which
// create(..., resume=true) can reopen to write the missing runs.
//
// Thread safety: all member functions may be called from several threads at once
// (they serialise on an internal mutex); HDF5 itself is used only under that mutex.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "results/run_outputs.hpp"

namespace averted {

// The format written by this code: root attributes `format` and `format_version`.
inline constexpr const char* kResultsFormatName = "averted-results";
inline constexpr int kResultsFormatVersion = 1;

// "<final_path>.partial": where results are written until finalize().
std::filesystem::path partial_path_for(const std::filesystem::path& final_path);

// `folder / name`, refusing (std::runtime_error, naming both) a name that would lead
// outside `folder`: an absolute path, a ".." component, or a symbolic link (in the
// folder or in the name) that resolves outside it. For every file a run derives from
// its chosen output (summaries beside the results file, per-scenario files).
std::filesystem::path path_inside(const std::filesystem::path& folder, const std::filesystem::path& name);

class ResultsFile {
 public:
  // Creates <final_path>.partial (truncating any stale partial file, unless resume=true
  // and a compatible partial exists), writes layout + provenance. Throws
  // std::runtime_error with a clear message (path and reason) if it cannot be created:
  // missing or unwritable directory, final path is a directory, invalid layout (empty
  // or duplicate names or labels, a dimension without labels, a table dimension named
  // scenario/draw/replicate, the same dimension name with different labels in two
  // tables, provenance vectors not one per scenario), or, with resume=true, a partial
  // file that does not match the new layout/provenance (the message says what differs).
  // A partial file that another process (or ResultsFile) has open is never touched.
  // With resume=true and no partial file, a new file is started.
  static ResultsFile create(const std::filesystem::path& final_path, const ResultsLayout& layout,
                            const Provenance& provenance, bool resume = false);

  ResultsFile(ResultsFile&&) noexcept;
  ResultsFile& operator=(ResultsFile&&) noexcept;
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;
  // Without finalize(): closes the file and leaves the .partial (never the final name).
  ~ResultsFile();

  // True when that run's data is in the file (for resume). Throws std::out_of_range
  // for indices outside the layout.
  bool has_run(std::uint32_t scenario, std::uint32_t draw, std::uint32_t replicate) const;
  // Writes one run's tables into the (scenario, draw, replicate) slice, marks it done
  // and flushes. Writing a run again overwrites it. Throws std::out_of_range for bad
  // indices, std::invalid_argument if the outputs do not match the table specs (count,
  // int64/float64 type, number of cells), std::runtime_error on I/O failure.
  void write_run(std::uint32_t scenario, std::uint32_t draw, std::uint32_t replicate,
                 const RunOutputs& outputs);
  // Writes a whole-file dataset /summary/<name> shaped by spec.dims (no leading
  // scenario/draw/replicate unless spec.dims says so), float64 or int64 per spec.type
  // (for Int64 every value must be a whole number). Labels go to /dims like tables'.
  // Writing a summary again replaces it. Throws std::invalid_argument if
  // values.size() != spec.size() or a dimension's labels differ from /dims/<name>.
  void write_summary(const std::string& name, const TableSpec& spec,
                     const std::vector<double>& values);
  // Calls `write(file_id)` with the open HDF5 file (an hid_t) under the file's mutex,
  // for writers of groups this class does not know (analysis/calibration: /observed,
  // /calibration). Before finalize() only, like every write.
  void write_group(const std::function<void(std::int64_t file_id)>& write);
  // Checks every run is done, sets root attribute complete=1, closes, renames .partial ->
  // final atomically and fsyncs the directory. Throws std::runtime_error listing the
  // missing runs (the file stays open and usable, e.g. to write them and finalize again).
  void finalize();

  // Runs not yet written, as (scenario, draw, replicate) in index order.
  struct RunIndex {
    std::uint32_t scenario, draw, replicate;
  };
  std::vector<RunIndex> missing_runs() const;
  std::size_t runs_done() const;
  // True when create() reopened an existing partial file.
  bool resumed() const;
  const std::filesystem::path& final_path() const;
  const std::filesystem::path& partial_path() const;

 private:
  struct Impl;
  explicit ResultsFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace averted
