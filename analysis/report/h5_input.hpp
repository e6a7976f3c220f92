// Read-only access to the parts of a results file that are not per-run tables
// (attributes, label and summary datasets, the calibration groups), for the report.
// Per-run tables are read with ResultsReader. No HDF5 header here: handles are hid_t
// kept as long long, as in uncertainty/results_reader.hpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace averted::report {

// An n-dimensional array of numbers read as double, row-major.
struct Array {
  std::vector<std::size_t> shape;
  std::vector<double> values;
};

class H5Input {
 public:
  // Throws std::runtime_error naming the file if it cannot be opened as HDF5.
  explicit H5Input(const std::filesystem::path& path);
  ~H5Input();
  H5Input(const H5Input&) = delete;
  H5Input& operator=(const H5Input&) = delete;

  const std::filesystem::path& path() const { return path_; }
  bool exists(const std::string& object) const;  // "/summary/deaths", "/observed"
  // Names of the members of a group, in the file's (alphabetical) order.
  std::vector<std::string> members(const std::string& group) const;

  // Attributes of any object ("/" for the root). nullopt when absent; throws
  // std::runtime_error (file, object, attribute, what was found) when of another type.
  std::optional<std::string> text_attr(const std::string& object, const std::string& name) const;
  std::optional<double> number_attr(const std::string& object, const std::string& name) const;
  std::vector<std::string> text_list_attr(const std::string& object, const std::string& name) const;

  // Datasets; throw std::runtime_error (file, dataset, problem) when absent or unreadable.
  std::vector<std::string> texts(const std::string& dataset) const;  // 1-D or scalar strings
  std::string text(const std::string& dataset) const;                // scalar string
  Array numbers(const std::string& dataset) const;                   // any numeric type
  bool is_integer(const std::string& dataset) const;                 // stored as integers

 private:
  [[noreturn]] void fail(const std::string& object, const std::string& problem) const;
  std::filesystem::path path_;
  long long file_ = -1;
};

}  // namespace averted::report
