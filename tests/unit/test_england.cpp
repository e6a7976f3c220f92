// The England model against the evidence it was built from (first checks; the
// England-model issue adds one per lever and risk window).
#include <gtest/gtest.h>

#include <numeric>
#include <variant>

#include "core/simulation.hpp"
#include "model/england_model.hpp"
#include "model/parameters.hpp"

using namespace averted;
using namespace averted::england;

namespace {

const Scenario& baseline() {
  static const Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/england/baseline.yaml", standard_parameters());
  return s;
}

// One replicate of the baseline at 20% of England, shared by the tests below.
const RunOutputs& baseline_run() {
  static const RunOutputs out = [] {
    Scenario s = baseline();
    s.set("run.population_scale", 0.2, {});
    auto model = make_model(s);
    RunSettings settings;
    settings.clock = clock_from(s);
    settings.key = {static_cast<std::uint32_t>(s.integer("run.seed")), 0, 0};
    return run_simulation(*model, settings);
  }();
  return out;
}

// Deaths summed to [year][cause][age band].
double deaths(int year, int cause, int band) {
  const auto& d = std::get<std::vector<std::int64_t>>(baseline_run().tables[EnglandModel::kDeaths]);
  const int y = year - static_cast<int>(baseline().integer("run.start_year"));
  const std::size_t per_band = 2 * kPathwayCount;
  const std::size_t start = ((static_cast<std::size_t>(y) * kCauseCount + cause) * EnglandModel::kAgeBands + band) * per_band;
  return std::accumulate(d.begin() + start, d.begin() + start + per_band, 0.0);
}

}  // namespace

// The shipped baseline states every default of the parameter table, with its source,
// so the file a policy analyst reads is the model that runs.
TEST(EnglandBaseline, FileHoldsEveryTableDefault) {
  for (const auto& spec : standard_parameters().all()) {
    if (spec.path.rfind("scenario.", 0) == 0) continue;
    const Setting& set = baseline().setting(spec.path);
    EXPECT_TRUE(set.value == spec.default_value) << spec.path << " differs from its declared default; "
                                                 << "regenerate with `averted params --format yaml`";
    EXPECT_FALSE(set.origin.file.empty()) << spec.path << " is missing from baseline.yaml";
    EXPECT_FALSE(spec.source.empty()) << spec.path << " has no source";
  }
}

// Lewer et al. 2022: drug poisoning is about 60% of deaths at ages 25-29 and under 10%
// at 60-64 in this cohort. Tolerance: 25-29 within 0.45-0.75; 60-64 below 0.15
// (a few hundred deaths per band over 2010-2018 at 20% scale).
TEST(EnglandBaseline, DrugPoisoningShareFallsWithAgeAsLewer2022) {
  double drug_young = 0, all_young = 0, drug_old = 0, all_old = 0;
  for (int year = 2010; year <= 2018; ++year) {
    for (int c = 0; c < kCauseCount; ++c) {
      all_young += deaths(year, c, 2);  // 25-29
      all_old += deaths(year, c, 9);    // 60-64
    }
    drug_young += deaths(year, kCauseDrug, 2);
    drug_old += deaths(year, kCauseDrug, 9);
  }
  ASSERT_GT(all_young, 100);
  ASSERT_GT(all_old, 100);
  EXPECT_GT(drug_young / all_young, 0.45);
  EXPECT_LT(drug_young / all_young, 0.75);
  EXPECT_LT(drug_old / all_old, 0.15);
}

// The cohort ages: the age band with the most drug-poisoning deaths moves up
// (ONS heroin/morphine deaths peaked at 20-29 in 2001, 40-49 from 2017).
TEST(EnglandBaseline, PeakAgeOfDrugDeathsMovesUp) {
  auto peak_band = [](int year) {
    int best = 0;
    for (int b = 1; b < EnglandModel::kAgeBands; ++b) {
      if (deaths(year, kCauseDrug, b) > deaths(year, kCauseDrug, best)) best = b;
    }
    return best;
  };
  EXPECT_LT(peak_band(1995), peak_band(2010));
  EXPECT_LT(peak_band(2010), peak_band(2025));
}

// A pair of settings that contradict each other is reported naming both.
TEST(EnglandParameters, EndYearBeforeStartYearNamesBothSettings) {
  Scenario s = baseline();
  s.set("run.start_year", std::int64_t{2000}, {"a.yaml", 3});
  s.set("run.end_year", std::int64_t{1999}, {"b.yaml", 7});
  const auto errors = check_consistency(s);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file, "b.yaml");
  EXPECT_EQ(errors[0].line, 7);
  EXPECT_EQ(errors[0].yaml_path, "run.end_year");
  EXPECT_NE(errors[0].format().find("run.start_year (2000, set at a.yaml:3)"), std::string::npos) << errors[0].format();
  EXPECT_TRUE(check_consistency(baseline()).empty());
}
