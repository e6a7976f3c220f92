// Fuzz target: the calibration targets-file loader (analysis/calibration/targets.*),
// fed arbitrary bytes as a targets file. Built and run like fuzz_scenario.cpp (see
// there and tests/hardening/hardening_tests.cmake).
//
// What counts as a failure: anything but a clean ScenarioErrors for a bad file (a
// crash, a sanitizer report, a hang, another exception type), or a file that loads
// but then breaks what calibration does next with it: checking it against the England
// model's tables, cutting it at a year, and evaluating every observation's likelihood
// (which must give a finite, non-negative deviance at the observed value itself).
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "calibration/targets.hpp"
#include "model/england_model.hpp"
#include "model/parameters.hpp"
#include "scenario/scenario.hpp"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_targets: %s\n", what.c_str());
  std::abort();
}

const fs::path& input_file() {
  static const fs::path file = [] {
    const fs::path d = fs::temp_directory_path() / ("averted-fuzz-targets-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d / "targets.yaml";
  }();
  return file;
}

// The England model's output tables, built once (what check_against is given).
const std::vector<averted::TableSpec>& england_tables() {
  static const std::vector<averted::TableSpec> tables = [] {
    using namespace averted;
    const std::string yaml = "scenario:\n  name: fuzz\nrun:\n  start_year: 2000\n  end_year: 2002\n";
    const fs::path base = input_file().parent_path() / "base.yaml";
    std::ofstream(base) << yaml;
    const auto model = england::make_model(load_scenario(base, standard_parameters()));
    std::vector<TableSpec> out;
    for (const auto& t : model->outputs()) out.push_back(t.spec);
    return out;
  }();
  return tables;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace averted;
  using namespace averted::calibration;
  if (size > 64 * 1024) return -1;  // targets files are small; keep runs fast
  const auto& tables = england_tables();
  {
    std::ofstream out(input_file(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  TargetSet targets;
  try {
    targets = load_targets(input_file());
  } catch (const ScenarioErrors& e) {
    if (e.errors().empty()) fail("ScenarioErrors without any error");
    for (const auto& err : e.errors()) (void)err.format();
    return 0;
  }
  try {
    check_against(targets, tables);
  } catch (const ScenarioErrors& e) {
    if (e.errors().empty()) fail("check_against: ScenarioErrors without any error");
    return 0;
  }
  (void)targets.until(2010);
  for (const auto& t : targets.targets) {
    (void)t.mapping();
    if (t.years.size() != t.value.size()) fail("target '" + t.id + "' has a different number of years and values");
    for (std::size_t k = 0; k < t.value.size(); ++k) {
      const double v = t.variance(k);
      if (!(v >= 0.0) || std::isinf(v)) fail("target '" + t.id + "': variance " + std::to_string(v));
      const double d = t.deviance(k, t.value[k] > 0 ? t.value[k] : 1.0);
      if (!(d >= -1e-9) || std::isinf(d)) fail("target '" + t.id + "': deviance " + std::to_string(d));
      (void)t.interval(k);
    }
  }
  return 0;
}
