// What one simulation run produces: a set of named, labelled N-dimensional tables.
// The model declares the tables (TableSpec) once; every run fills one RunOutputs with
// the same shapes. Counts are integers so that sums over threads are exact and
// results are bit-identical for any thread count.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace averted {

struct Dimension {
  std::string name;                 // "year", "cause", "age_band", "sex", "state"
  std::vector<std::string> labels;  // one per index ("1993", "drug_poisoning", ...)
};

enum class CellType : std::uint8_t { Int64, Float64 };

struct TableSpec {
  std::string name;         // dataset name, e.g. "deaths"
  std::string unit;         // "deaths", "people", "person-years", "pounds"
  std::string description;  // one sentence for the results documentation
  CellType type = CellType::Int64;
  std::vector<Dimension> dims;  // row-major; the first is usually time
  std::size_t size() const;     // product of dimension sizes
};

struct RunOutputs {
  // One entry per TableSpec, in the same order; int64 or double to match its type.
  std::vector<std::variant<std::vector<std::int64_t>, std::vector<double>>> tables;
};

// Who made a result and from what: enough to reproduce every number in it.
struct Provenance {
  std::string code_version;    // git describe of the build
  std::string command_line;    // as typed
  std::string created_utc;     // ISO 8601
  std::string host;            // machine name
  std::uint32_t master_seed = 0;
  std::string step_plan;       // the order of work in a step, one line per phase
  // Per scenario (same order as ResultsLayout::scenarios):
  std::vector<std::string> scenario_files;   // leaf scenario file path
  std::vector<std::string> scenario_hashes;  // Scenario::hash()
  std::vector<std::string> merged_yaml;      // Scenario::merged_yaml(), with origins
};

struct ResultsLayout {
  std::vector<std::string> scenarios;  // scenario names; index 0 is the comparator
  std::uint32_t draws = 1;             // parameter draws
  std::uint32_t replicates = 1;        // stochastic replicates per draw
  std::vector<TableSpec> tables;
};

}  // namespace averted
