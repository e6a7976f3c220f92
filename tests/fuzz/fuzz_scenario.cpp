// Fuzz target: the scenario loader, fed arbitrary bytes as a scenario file.
//
// Built two ways (tests/hardening/hardening_tests.cmake):
//   - with clang-16 and -fsanitize=fuzzer,address,undefined (AVERTED_FUZZ=ON) as a
//     libFuzzer binary, which CI runs for a bounded time from the seed corpus;
//   - with the normal compiler and replay_main.cpp as a plain driver that runs every
//     file of the seed corpus and every crash ever found (tests/fuzz/regressions/),
//     as an ordinary ctest test, so a fixed crash stays fixed in every build.
//
// What counts as a failure: anything but a clean ScenarioErrors for a bad file, i.e. a
// crash, a sanitizer report, a hang, an exception of another type, or a valid scenario
// that then breaks the steps every run takes next (consistency check, building the
// model and its clock, the merged YAML read back to the same hash, the resource
// estimate). The calibration targets-file loader has its own target, fuzz_targets.cpp.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "model/england_model.hpp"
#include "model/parameters.hpp"
#include "run/limits.hpp"
#include "scenario/scenario.hpp"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_scenario: %s\n", what.c_str());
  std::abort();
}

// A private folder holding the input as scenario.yaml beside a valid base.yaml, so
// inputs that say `extends: base.yaml` reach the merging code.
const fs::path& work_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("averted-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    std::ofstream(d / "base.yaml") << "scenario:\n  name: fuzz base\nrun:\n  start_year: 2000\n"
                                      "  end_year: 2002\npopulation:\n  initial_size: 100\n";
    return d;
  }();
  return dir;
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace averted;
  if (size > 64 * 1024) return -1;  // scenario files are small; keep runs fast
  const ParamTable& table = standard_parameters();
  const fs::path file = work_dir() / "scenario.yaml";
  write_file(file, std::string(reinterpret_cast<const char*>(data), size));
  Scenario scenario;
  try {
    scenario = load_scenario(file, table);
  } catch (const ScenarioErrors& e) {
    if (e.errors().empty()) fail("ScenarioErrors without any error");
    for (const auto& err : e.errors()) (void)err.format();
    return 0;
  }
  if (!check_consistency(scenario).empty()) return 0;
  // A valid scenario: everything a run does before its first step must work.
  (void)england::clock_from(scenario);
  (void)england::make_model(scenario);
  (void)estimate_resources({scenario}, 1, 1);
  // The merged YAML (written into every results file) must read back to the same values.
  const fs::path merged = work_dir() / "merged.yaml";
  write_file(merged, scenario.merged_yaml());
  try {
    const Scenario again = load_scenario(merged, table);
    if (again.hash() != scenario.hash()) fail("merged YAML reads back to another hash");
  } catch (const ScenarioErrors& e) {
    fail(std::string("merged YAML of a valid scenario is invalid:\n") + e.what() +
         "\n--- merged YAML ---\n" + scenario.merged_yaml());
  }
  return 0;
}
