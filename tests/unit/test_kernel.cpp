// Kernel properties through the real England model: reproducibility for any thread
// count, common random numbers across scenarios, degenerate rates.
#include <gtest/gtest.h>

#include <variant>

#include "core/simulation.hpp"
#include "model/england_model.hpp"
#include "model/parameters.hpp"

using namespace averted;
using namespace averted::england;

namespace {

Scenario small_england(double scale = 0.01) {
  Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/england/baseline.yaml", standard_parameters());
  s.set("run.population_scale", scale, {});
  return s;
}

RunOutputs run(const Scenario& s, int threads, RunStats* stats = nullptr, std::uint32_t replicate = 0) {
  auto model = make_model(s);
  RunSettings settings;
  settings.clock = clock_from(s);
  settings.key = {static_cast<std::uint32_t>(s.integer("run.seed")), 0, replicate};
  settings.threads = threads;
  settings.check_invariants = true;
  return run_simulation(*model, settings, stats);
}

std::int64_t total(const RunOutputs& o, std::size_t table) {
  std::int64_t sum = 0;
  for (auto v : std::get<std::vector<std::int64_t>>(o.tables[table])) sum += v;
  return sum;
}

}  // namespace

TEST(Kernel, BitIdenticalForOneTwoAndThreeThreads) {
  const Scenario s = small_england();
  const RunOutputs one = run(s, 1), two = run(s, 2), three = run(s, 3);
  ASSERT_EQ(one.tables.size(), two.tables.size());
  for (std::size_t t = 0; t < one.tables.size(); ++t) {
    EXPECT_TRUE(one.tables[t] == two.tables[t]) << "table " << t;
    EXPECT_TRUE(one.tables[t] == three.tables[t]) << "table " << t;
  }
  EXPECT_GT(total(one, EnglandModel::kDeaths), 100);
}

TEST(Kernel, ScenarioIdenticalToBaselineReproducesItExactly) {
  const Scenario base = small_england();
  Scenario same = load_scenario(AVERTED_SOURCE_DIR "/scenarios/testing/same_as_baseline.yaml",
                                standard_parameters());
  same.set("run.population_scale", 0.01, {});
  const RunOutputs a = run(base, 2), b = run(same, 2);
  for (std::size_t t = 0; t < a.tables.size(); ++t) EXPECT_TRUE(a.tables[t] == b.tables[t]) << "table " << t;
}

TEST(Kernel, ReplicatesDiffer) {
  const Scenario s = small_england();
  EXPECT_NE(total(run(s, 2, nullptr, 0), EnglandModel::kDeaths), total(run(s, 2, nullptr, 1), EnglandModel::kDeaths));
}

TEST(Kernel, ZeroRatesGiveExactlyZeroEvents) {
  Scenario s = small_england();
  const ParamTable& table = standard_parameters();
  for (const auto& spec : table.all()) {
    const bool rate = spec.unit == "per person-year" || spec.path.rfind("mortality.", 0) == 0;
    if (!rate) continue;
    if (spec.type == ParamType::Series) {
      s.set(spec.path, Series{Series::Interp::Step, {0.0}, {0.0}}, {});
    } else {
      s.set(spec.path, 0.0, {});
    }
  }
  s.set("population.new_injectors", Series{Series::Interp::Step, {1980.0}, {0.0}}, {});
  RunStats stats;
  const RunOutputs out = run(s, 2, &stats);
  EXPECT_EQ(stats.events, 0u);
  EXPECT_EQ(total(out, EnglandModel::kEvents), 0);
  EXPECT_EQ(total(out, EnglandModel::kDeaths), 0);
  EXPECT_EQ(total(out, EnglandModel::kEntrants), 0);
  // Everyone is still where they started, every year.
  const auto& people = std::get<std::vector<std::int64_t>>(out.tables[EnglandModel::kPeople]);
  const std::size_t per_year = kStateCount * EnglandModel::kAgeBands * 2;
  const auto n = static_cast<std::int64_t>(stats.people);
  for (std::size_t y = 0; y < people.size() / per_year; ++y) {
    std::int64_t in_contact = 0, all = 0;
    for (std::size_t k = 0; k < per_year; ++k) {
      all += people[y * per_year + k];
      if (k / (EnglandModel::kAgeBands * 2) == kNotInContact) in_contact += people[y * per_year + k];
    }
    EXPECT_EQ(all, n);
    EXPECT_EQ(in_contact, n);
  }
}

TEST(Kernel, CensusEventsAndPersonYearsAgree) {
  // Concordance of three outputs: the census at the start of each year equals the
  // previous census plus entrants minus those who died or emigrated; and
  // person-years lie between (start - exits) and (start + entrants).
  const Scenario s = small_england();
  const RunOutputs out = run(s, 2);
  const auto& py = std::get<std::vector<double>>(out.tables[EnglandModel::kPersonYears]);
  const auto& people = std::get<std::vector<std::int64_t>>(out.tables[EnglandModel::kPeople]);
  const auto& events = std::get<std::vector<std::int64_t>>(out.tables[EnglandModel::kEvents]);
  const auto& entrants = std::get<std::vector<std::int64_t>>(out.tables[EnglandModel::kEntrants]);
  const std::size_t per_year = kStateCount * EnglandModel::kAgeBands * 2;
  const std::size_t years = people.size() / per_year;
  ASSERT_GT(years, 10u);
  for (std::size_t y = 0; y + 1 < years; ++y) {
    std::int64_t start = 0, end = 0, exits = 0;
    for (std::size_t k = 0; k < per_year; ++k) {
      start += people[y * per_year + k];
      end += people[(y + 1) * per_year + k];
    }
    for (int e : {kFatalOverdose, kDeathLiver, kDeathCopd, kDeathSuicide, kDeathOther, kEmigration}) {
      exits += events[y * kEventCount + e];
    }
    EXPECT_EQ(end, start + entrants[y] - exits) << "year " << y;
    double alive_py = 0;
    for (int st = 0; st < kStateCount; ++st) alive_py += py[y * kStateCount + st];
    EXPECT_GE(alive_py, static_cast<double>(start - exits) - 1e-3) << "year " << y;
    EXPECT_LE(alive_py, static_cast<double>(start + entrants[y]) + 1e-3) << "year " << y;
  }
}
