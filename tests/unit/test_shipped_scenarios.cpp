// Every shipped scenario file loads, passes the consistency checks and runs to its end
// with the kernel's invariants on, at 1% of its size. The England-scale lever tests
// (test_levers.cpp) check what each lever does but are too slow for the sanitizer
// builds; this one exercises every lever's code in them (memory errors, undefined
// behaviour, data races).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <regex>
#include <variant>

#include "core/simulation.hpp"
#include "model/england_model.hpp"
#include "model/parameters.hpp"

using namespace averted;
namespace fs = std::filesystem;

namespace {

// Scenario files (not targets, posteriors or other data kept beside them) begin with
// a `scenario:` or `extends:` block.
bool is_scenario(const fs::path& file) {
  std::ifstream in(file);
  static const std::regex top_level("^(scenario|extends):");
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, top_level)) return true;
  }
  return false;
}

std::vector<std::string> shipped_scenarios() {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(AVERTED_SOURCE_DIR "/scenarios")) {
    if (e.is_regular_file() && e.path().extension() == ".yaml" && is_scenario(e.path())) {
      files.push_back(fs::relative(e.path(), AVERTED_SOURCE_DIR "/scenarios").string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

class ShippedScenario : public testing::TestWithParam<std::string> {};

TEST_P(ShippedScenario, RunsToTheEndWithInvariantsOn) {
  Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/" + GetParam(), standard_parameters());
  ASSERT_TRUE(check_consistency(s).empty());
  s.set("run.population_scale", s.real("run.population_scale") * 0.01, {});
  auto model = england::make_model(s);
  RunSettings settings;
  settings.clock = england::clock_from(s);
  settings.key = {static_cast<std::uint32_t>(s.integer("run.seed")), 0, 0};
  settings.check_invariants = true;
  RunStats stats;
  const RunOutputs out = run_simulation(*model, settings, &stats);
  const auto& deaths = std::get<std::vector<std::int64_t>>(out.tables[england::EnglandModel::kDeaths]);
  EXPECT_GT(std::accumulate(deaths.begin(), deaths.end(), std::int64_t{0}), 0) << "nobody died in the whole run";
  EXPECT_GT(stats.events, 0u);
}

INSTANTIATE_TEST_SUITE_P(All, ShippedScenario, testing::ValuesIn(shipped_scenarios()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.size() - 5);
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

TEST(ShippedScenarios, AllFound) {
  // A sanity check on the search itself: the England baseline and its levers are there.
  const auto files = shipped_scenarios();
  EXPECT_GE(files.size(), 15u);
  EXPECT_NE(std::find(files.begin(), files.end(), "england/baseline.yaml"), files.end());
}

}  // namespace
