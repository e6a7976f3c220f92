// Each commissioning lever moves deaths the way the evidence says. One process runs
// the baseline and every shipped lever scenario at England scale with common random
// numbers, and the tests below read the shared results. Ranges and their sources are
// written beside each check; outcomes are 2026-2030 totals over the replicates, and a
// lever is always compared with the baseline's runs of the same replicates (paired).
// Replicates: 2 per lever, 4 for the naloxone lever and the baseline. With 2 the
// naloxone lever's share of deaths averted has a standard error of about 1.8 points
// around its 4.6% (measured with 8 replicates): an unrelated change to 2011-2012 once
// put it at 2.6%, below the evidence's 3%. The other levers' effects are far larger
// than their chance variation at 2.
#include <gtest/gtest.h>

#include <map>
#include <numeric>
#include <variant>

#include "core/simulation.hpp"
#include "model/england_model.hpp"
#include "model/parameters.hpp"

using namespace averted;
using namespace averted::england;

namespace {

constexpr int kFirst = 2026, kLast = 2030;

std::uint32_t replicates(const std::string& file) { return file == "naloxone.yaml" ? 4 : 2; }

struct Totals {
  double drug = 0, all = 0, liver_copd_suicide = 0, after_release = 0, after_exit = 0;
  std::map<Event, double> events;
  double harm_reduction_py = 0, kits = 0;
};

Totals run_replicate(const std::string& file, std::uint32_t r) {
  const Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/england/" + file, standard_parameters());
  Totals t;
  auto model = make_model(s);
  RunSettings settings;
  settings.clock = clock_from(s);
  settings.key = {static_cast<std::uint32_t>(s.integer("run.seed")), 0, r};
  const RunOutputs out = run_simulation(*model, settings);
  auto ints = [&](std::size_t table) { return std::get<std::vector<std::int64_t>>(out.tables[table]); };
  const auto deaths = ints(EnglandModel::kDeaths), events = ints(EnglandModel::kEvents),
             kits = ints(EnglandModel::kNaloxone);
  const auto& py = std::get<std::vector<double>>(out.tables[EnglandModel::kPersonYears]);
  const std::size_t per_cause = EnglandModel::kAgeBands * 2 * kPathwayCount;
  for (int year = kFirst; year <= kLast; ++year) {
    const std::size_t y = static_cast<std::size_t>(year - settings.clock.start_year);
    for (int c = 0; c < kCauseCount; ++c) {
      const std::size_t base = (y * kCauseCount + c) * per_cause;
      for (std::size_t k = 0; k < per_cause; ++k) {
        const double n = static_cast<double>(deaths[base + k]);
        const auto pathway = static_cast<Pathway>(k % kPathwayCount);
        t.all += n;
        if (c == kCauseDrug) {
          t.drug += n;
          if (pathway == kPwReleasedWeeks1to2 || pathway == kPwReleasedWeeks3to4) t.after_release += n;
          if (pathway == kPwLeftTreatment4Weeks) t.after_exit += n;
        }
        if (c == kCauseLiver || c == kCauseCopd || c == kCauseSuicide) t.liver_copd_suicide += n;
      }
    }
    for (int e = 0; e < kEventCount; ++e) t.events[static_cast<Event>(e)] += events[y * kEventCount + e];
    t.harm_reduction_py += py[y * kStateCount + kHarmReduction];
    for (int k = 0; k < kKitUsed; ++k) t.kits += kits[y * kNaloxoneFlowCount + k];
  }
  return t;
}

// Totals over replicates 0 to n - 1; each run is made once and kept, so the baseline's
// first two replicates serve every lever.
Totals result(const std::string& file, std::uint32_t n) {
  static std::map<std::pair<std::string, std::uint32_t>, Totals> runs;
  Totals sum;
  for (std::uint32_t r = 0; r < n; ++r) {
    auto it = runs.find({file, r});
    if (it == runs.end()) it = runs.emplace(std::pair{file, r}, run_replicate(file, r)).first;
    const Totals& t = it->second;
    sum.drug += t.drug, sum.all += t.all, sum.liver_copd_suicide += t.liver_copd_suicide;
    sum.after_release += t.after_release, sum.after_exit += t.after_exit;
    sum.harm_reduction_py += t.harm_reduction_py, sum.kits += t.kits;
    for (const auto& [e, k] : t.events) sum.events[e] += k;
  }
  return sum;
}

// A lever scenario and the baseline, over the lever's replicates.
struct Paired {
  Totals base, lever;
};
Paired paired(const std::string& file) {
  return {result("baseline.yaml", replicates(file)), result(file, replicates(file))};
}

double drug_averted_share(const std::string& file) {
  const auto [base, lever] = paired(file);
  return (base.drug - lever.drug) / base.drug;
}

}  // namespace

// Langham et al. 2018: take-home naloxone reaching 30% of UK heroin users cuts
// overdose deaths by about 6.6%; Coffin & Sullivan 2013: 6% at 20% coverage
// (EVIDENCE.md section 6). Tripling community supply and giving kits to 75% of
// people released should avert 3-20% of drug-poisoning deaths.
TEST(Levers, NaloxoneScaleUpAvertsAFewPercentOfDrugDeaths) {
  const auto [base, lever] = paired("naloxone.yaml");
  EXPECT_GT(lever.kits, 2.0 * base.kits);
  EXPECT_GT(drug_averted_share("naloxone.yaml"), 0.03);
  EXPECT_LT(drug_averted_share("naloxone.yaml"), 0.20);
}

// Being in OST protects (Pierce 2016: 1.73 out vs in; Sordo 2017: 4.8 for overdose
// with methadone). 50% more OST starts and supported induction should raise starts by
// at least 20% and avert 1-15% of drug deaths over five years.
TEST(Levers, OstAccessAvertsDrugDeaths) {
  const auto [base, lever] = paired("ost_access.yaml");
  EXPECT_GT(lever.events.at(kStartOst), 1.2 * base.events.at(kStartOst));
  EXPECT_GT(drug_averted_share("ost_access.yaml"), 0.01);
  EXPECT_LT(drug_averted_share("ost_access.yaml"), 0.15);
}

// Retention keeps people out of the 4 weeks after leaving treatment, 12.83 times the
// in-treatment risk (Jones 2022): a 20% cut in drop-out should avert 0.5-10%.
TEST(Levers, RetentionSupportAvertsDrugDeaths) {
  const auto [base, lever] = paired("retention_support.yaml");
  EXPECT_LT(lever.after_exit, base.after_exit);
  EXPECT_GT(drug_averted_share("retention_support.yaml"), 0.005);
  EXPECT_LT(drug_averted_share("retention_support.yaml"), 0.10);
}

// Forced reduction pushes people through a taper (overdose x1.28, Agnoli 2021,
// corrected) into the post-exit window (Jones 2022): forced tapers appear in the tens
// of thousands and deaths in the 4 weeks after leaving treatment rise.
TEST(Levers, TimeLimitedPrescribingRaisesDeathsAfterTreatmentExit) {
  const auto [base, lever] = paired("time_limited_prescribing.yaml");
  EXPECT_EQ(base.events.at(kForcedReduction), 0);
  EXPECT_GT(lever.events.at(kForcedReduction), 10000);
  EXPECT_GT(lever.after_exit, 1.02 * base.after_exit);
  EXPECT_GT(lever.drug, base.drug);
}

// Marsden et al. 2017: OST at release cuts deaths in the first 4 weeks to 0.27 of
// those without. Raising OST at release from 50% to 75% and linkage from 53% to 75%
// should cut drug deaths in the 4 weeks after release by 5-50%.
TEST(Levers, PrisonContinuityCutsDeathsAfterRelease) {
  const auto [base, lever] = paired("prison_continuity_75.yaml");
  const double cut = 1.0 - lever.after_release / base.after_release;
  EXPECT_GT(cut, 0.05);
  EXPECT_LT(cut, 0.50);
}

// Outreach is the way into treatment for the 40% outside it (seed documents): more
// contact and more conversion raise time in contact and OST starts. Its effect on
// deaths over five years is small, so the check on deaths is only that it does not
// raise them beyond 1% (noise at this size).
TEST(Levers, OutreachBringsPeopleIntoContactAndTreatment) {
  const auto [base, lever] = paired("outreach.yaml");
  EXPECT_GT(lever.harm_reduction_py, 1.1 * base.harm_reduction_py);
  EXPECT_GT(lever.events.at(kStartOst), 1.05 * base.events.at(kStartOst));
  EXPECT_GT(drug_averted_share("outreach.yaml"), -0.01);
}

// The health lever cuts COPD, liver and suicide deaths of people with the condition by
// 20% (its setting) and doubles HCV test-and-treat: those deaths should fall 5-30%
// and HCV cures rise by at least 30%.
TEST(Levers, PhysicalAndMentalHealthCutsNonDrugDeaths) {
  const auto [base, h] = paired("physical_mental_health.yaml");
  const double cut = 1.0 - h.liver_copd_suicide / base.liver_copd_suicide;
  EXPECT_GT(cut, 0.05);
  EXPECT_LT(cut, 0.30);
  EXPECT_GT(h.events.at(kHcvCure), 1.3 * base.events.at(kHcvCure));
}

// Case management lowers overdose (x0.8) and drop-out (x0.7) for those who have it:
// places given by risk score avert drug deaths.
TEST(Levers, CaseManagementByRiskAvertsDrugDeaths) {
  EXPECT_GT(drug_averted_share("case_management_risk.yaml"), 0.0);
}

// The combined package averts more drug deaths than any lever alone, and at least 3%
// of all deaths (each over the package's replicates).
TEST(Levers, PackageAvertsMoreThanAnySingleLever) {
  const auto [base, package] = paired("package.yaml");
  for (const char* lever : {"naloxone.yaml", "ost_access.yaml", "retention_support.yaml", "prison_continuity_75.yaml",
                            "outreach.yaml", "physical_mental_health.yaml", "case_management_risk.yaml"}) {
    EXPECT_LT(package.drug, result(lever, replicates("package.yaml")).drug) << lever;
  }
  EXPECT_GT((base.all - package.all) / base.all, 0.03);
}
