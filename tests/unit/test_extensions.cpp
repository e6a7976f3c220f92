// The extension interface (engine/model/extension.hpp) and its two worked examples
// (engine/model/extensions/): switched off they change nothing, bit for bit; switched
// on, each hook does exactly what it says at the level of one person's hazards, and
// the examples move England-scale results the way their evidence says.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numeric>
#include <variant>

#include "core/simulation.hpp"
#include "model/england_model.hpp"
#include "model/parameters.hpp"

using namespace averted;
using namespace averted::england;

namespace {

Scenario load(const std::string& file) {
  return load_scenario(AVERTED_SOURCE_DIR "/scenarios/" + file, standard_parameters());
}

// The shipped scenario at 20% of England (5% for the thread-count check).
Scenario scaled(const std::string& file, double scale = 0.2) {
  Scenario s = load(file);
  s.set("run.population_scale", scale, {});
  return s;
}

RunOutputs run(const Scenario& s, int threads = 0) {
  auto model = make_model(s);
  RunSettings settings;
  settings.clock = clock_from(s);
  settings.key = {static_cast<std::uint32_t>(s.integer("run.seed")), 0, 0};
  settings.threads = threads;
  settings.check_invariants = true;
  return run_simulation(*model, settings);
}

std::size_t table_index(const Scenario& s, const std::string& name) {
  const auto model = make_model(s);
  const auto& outputs = model->outputs();
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    if (outputs[k].spec.name == name) return k;
  }
  throw std::logic_error("no table " + name);
}

const std::vector<std::int64_t>& ints(const RunOutputs& out, std::size_t table) {
  return std::get<std::vector<std::int64_t>>(out.tables[table]);
}
const std::vector<double>& reals(const RunOutputs& out, std::size_t table) {
  return std::get<std::vector<double>>(out.tables[table]);
}

constexpr int kStart = 1980;

// Drug-poisoning deaths in calendar years [from, to].
double drug_deaths(const RunOutputs& out, int from, int to) {
  const auto& d = ints(out, EnglandModel::kDeaths);
  const std::size_t per_cause = EnglandModel::kAgeBands * 2 * kPathwayCount;
  double n = 0;
  for (int y = from; y <= to; ++y) {
    const std::size_t start = (static_cast<std::size_t>(y - kStart) * kCauseCount + kCauseDrug) * per_cause;
    n += std::accumulate(d.begin() + start, d.begin() + start + per_cause, 0.0);
  }
  return n;
}

// The baseline at 20% of England, shared by the tests that compare with it.
const RunOutputs& baseline_run() {
  static const RunOutputs out = run(scaled("england/baseline.yaml"));
  return out;
}

// A model with its population built and initialised by hand, to read hazards.
struct Built {
  explicit Built(const Scenario& s) : model(std::make_unique<EnglandModel>(Parameters::from(s), make_extensions(s))) {
    model->add_columns(pop);
    tally = Tally(model->outputs());
    StepContext ctx{pop, random, tally, model->parameters().clock, 0};
    model->initialise(ctx);
  }
  Hazards at(PersonId i, double t) const {
    Hazards h;
    model->hazards(pop, i, t, h);
    return h;
  }
  void end_step(std::uint32_t step) {
    StepContext ctx{pop, random, tally, model->parameters().clock, step};
    model->end_step(ctx);
  }
  std::unique_ptr<EnglandModel> model;
  Population pop;
  Tally tally;
  RandomStreams random{StreamKey{5, 0, 0}};
};

Scenario small(int people) {
  Scenario s = load("england/baseline.yaml");
  s.set("population.initial_size", static_cast<double>(people), {});
  s.set("run.population_scale", 1.0, {});
  return s;
}

}  // namespace

// Switched off (as in the baseline), the compiled-in extensions change no England
// result, bit for bit: the run equals one of the England model with no extension at
// all. Their own tables and cost columns are there, and zero.
TEST(Extensions, SwitchedOffTheyChangeNothing) {
  Scenario s = scaled("england/baseline.yaml", 0.05);
  const RunOutputs with = run(s, 2);
  EnglandModel bare(Parameters::from(s));
  RunSettings settings;
  settings.clock = clock_from(s);
  settings.key = {static_cast<std::uint32_t>(s.integer("run.seed")), 0, 0};
  settings.threads = 2;
  const RunOutputs without = run_simulation(bare, settings);
  ASSERT_GT(with.tables.size(), without.tables.size());  // the extensions' tables
  const std::size_t years = 2031 - kStart;
  for (std::size_t t = 0; t < without.tables.size(); ++t) {
    if (t == EnglandModel::kCosts || t == EnglandModel::kCostsDiscounted) {
      const auto& a = reals(with, t);
      const auto& b = reals(without, t);
      const std::size_t items = a.size() / years, england = b.size() / years;
      ASSERT_GT(items, england);
      for (std::size_t y = 0; y < years; ++y) {
        for (std::size_t k = 0; k < items; ++k) {
          EXPECT_EQ(a[y * items + k], k < england ? b[y * england + k] : 0.0) << "costs, year " << y << " item " << k;
        }
      }
    } else {
      EXPECT_TRUE(with.tables[t] == without.tables[t]) << bare.outputs()[t].spec.name;
    }
  }
  for (std::size_t t = without.tables.size(); t < with.tables.size(); ++t) {
    for (auto v : ints(with, t)) ASSERT_EQ(v, 0) << "extension table " << t;
  }
}

// Every extension parameter is in the one parameter table, with a unit or type, a
// description and a source, so validation, `averted params` and the schema have it.
TEST(Extensions, ParametersAreInTheParameterTable) {
  for (const char* path : {"homelessness.enabled", "homelessness.share", "homelessness.housed_rate",
                           "homelessness.overdose_rr", "homelessness.ost_dropout_rr",
                           "levers.supervised_consumption.start", "levers.supervised_consumption.facilities",
                           "levers.supervised_consumption.users_per_facility",
                           "levers.supervised_consumption.fatality_rr",
                           "levers.supervised_consumption.cost_per_facility_year"}) {
    const ParamSpec* spec = standard_parameters().find(path);
    ASSERT_NE(spec, nullptr) << path;
    EXPECT_FALSE(spec->description.empty()) << path;
    EXPECT_FALSE(spec->source.empty()) << path;
  }
}

// Homelessness on a homeless person's hazards: the overdose rate x overdose_rr with the
// same fatality, OST drop-out x ost_dropout_rr, being housed at housed_rate, and every
// other England rate unchanged. Everyone is homeless here (share 1).
TEST(Homelessness, MultipliesOverdoseAndDropoutByItsRateRatios) {
  Scenario on = small(300);
  on.set("homelessness.enabled", true, {});
  on.set("homelessness.share", 1.0, {});
  Built a(on), b(small(300));
  ASSERT_EQ(a.model->events().size(), static_cast<std::size_t>(kEventCount) + 2);
  ASSERT_EQ(a.model->events()[kEventCount + 1].name, "housed");
  const double t = 1.0;
  for (PersonId i = 0; i < 300; ++i) {
    if (i % 2) a.pop.state[i] = b.pop.state[i] = kOst;  // half in OST (for a year: past induction)
    const Hazards ha = a.at(i, t), hb = b.at(i, t);
    const double od_a = ha.rate[kFatalOverdose] + ha.rate[kNonFatalOverdose];
    const double od_b = hb.rate[kFatalOverdose] + hb.rate[kNonFatalOverdose];
    ASSERT_GT(od_b, 0.0);
    EXPECT_NEAR(od_a, 1.30 * od_b, 1e-12 * od_b) << i;
    EXPECT_NEAR(ha.rate[kFatalOverdose] / od_a, hb.rate[kFatalOverdose] / od_b, 1e-12) << i;
    for (int e = kDeathLiver; e < kEventCount; ++e) {
      const double expected = e == kOstDropout ? 1.09 * hb.rate[e] : hb.rate[e];
      EXPECT_NEAR(ha.rate[e], expected, 1e-12 * expected) << kEventNames[e] << " of person " << i;
    }
    if (i % 2) {
      EXPECT_GT(hb.rate[kOstDropout], 0.0);  // so the multiplier above was tested
    }
    EXPECT_EQ(ha.rate[kEventCount], 0.0);      // already homeless
    EXPECT_EQ(ha.rate[kEventCount + 1], 1.0);  // housed_rate
    EXPECT_EQ(ha.until, hb.until);
  }
}

// England at 20%: the share homeless stays near its setting; people who are homeless
// die of drug poisoning more often, in proportion to overdose_rr; and drug deaths rise
// against the baseline (paired by seed).
TEST(Homelessness, RaisesDrugDeathsAsItsEvidenceSays) {
  const Scenario s = scaled("extensions/homelessness.yaml");
  const RunOutputs out = run(s);
  const auto& h = ints(out, table_index(s, "homelessness"));
  const auto& people = ints(out, EnglandModel::kPeople);
  const std::size_t per_year = people.size() / (2031 - kStart);
  double homeless = 0, alive = 0, homeless_drug_deaths = 0;
  for (int y = 2000; y <= 2030; ++y) {
    const std::size_t k = static_cast<std::size_t>(y - kStart);
    homeless += static_cast<double>(h[k * 4 + 0]);
    homeless_drug_deaths += static_cast<double>(h[k * 4 + 3]);
    alive += std::accumulate(people.begin() + k * per_year, people.begin() + (k + 1) * per_year, 0.0);
    EXPECT_GT(h[k * 4 + 1], 0) << y;  // people become homeless
    EXPECT_GT(h[k * 4 + 2], 0) << y;  // and are housed
  }
  const double drug = drug_deaths(out, 2000, 2030);
  const double ratio = drug / drug_deaths(baseline_run(), 2000, 2030);
  std::printf("share homeless %.4f, share of drug deaths %.4f, drug deaths vs baseline %.4f\n", homeless / alive,
              homeless_drug_deaths / drug, ratio);
  // 0.125 set; people who are homeless die sooner, so a little lower. Tolerance: 0.10-0.14.
  EXPECT_GT(homeless / alive, 0.10);
  EXPECT_LT(homeless / alive, 0.14);
  // Expected share of drug deaths among the homeless: 0.125 x 1.3 / (1 + 0.125 x 0.3) =
  // 0.157 (measured 0.153). Tolerance 0.13-0.20.
  EXPECT_GT(homeless_drug_deaths / drug, 0.13);
  EXPECT_LT(homeless_drug_deaths / drug, 0.20);
  // Against the baseline: 1 + 0.125 x 0.3 = 1.0375 directly, more through the year of
  // raised risk after each extra non-fatal overdose and the extra OST drop-out.
  // Measured 1.068; tolerance 1.03-1.11.
  EXPECT_GT(ratio, 1.03);
  EXPECT_LT(ratio, 1.11);
}

// A supervised consumption place lowers the chance that its user's overdose is fatal
// by fatality_rr and changes nothing else: the places go to exactly as many eligible
// people (who inject and are not in treatment) as there are places.
TEST(SupervisedConsumption, LowersFatalityOfItsUsersOnly) {
  Scenario on = small(3000);
  on.set("levers.supervised_consumption.start", 1980.0, {});
  on.set("levers.supervised_consumption.users_per_facility", 50.0, {});
  Built a(on), b(small(3000));
  a.end_step(12);  // the first quarterly allocation
  b.end_step(12);
  const double t = 13.0 / 52;
  const PersonRecord* people = a.pop.data(a.model->person_column());
  int users = 0;
  for (PersonId i = 0; i < 3000; ++i) {
    const Hazards ha = a.at(i, t), hb = b.at(i, t);
    const double od = hb.rate[kFatalOverdose] + hb.rate[kNonFatalOverdose];
    EXPECT_NEAR(ha.rate[kFatalOverdose] + ha.rate[kNonFatalOverdose], od, 1e-12 * od);
    if (ha.rate[kFatalOverdose] != hb.rate[kFatalOverdose]) {
      ++users;
      EXPECT_NEAR(ha.rate[kFatalOverdose], 0.65 * hb.rate[kFatalOverdose], 1e-12 * od) << i;
      EXPECT_TRUE(people[i].injecting) << i;
      EXPECT_EQ(a.pop.state[i], kNotInContact);
    }
    for (int e = kDeathLiver; e < kEventCount; ++e) EXPECT_EQ(ha.rate[e], hb.rate[e]) << kEventNames[e];
  }
  EXPECT_EQ(users, 50);
}

// The shipped scenario (10 facilities from April 2026) at 20% of England: every year
// from 2027 the facilities are full (10 x 575 x 0.2 users at each census), cost
// exactly 10 x £2.3m x 0.2 a year, and their users overdose. With enough facilities
// for every eligible person, drug deaths fall clearly against the baseline.
TEST(SupervisedConsumption, FillsItsPlacesCostsItsBudgetAndAvertsDeaths) {
  const Scenario s = scaled("extensions/supervised_consumption.yaml");
  const RunOutputs out = run(s);
  const auto& scf = ints(out, table_index(s, "supervised_consumption"));
  const auto& costs = reals(out, EnglandModel::kCosts);
  const std::size_t items = costs.size() / (2031 - kStart);
  for (int y = 2027; y <= 2030; ++y) {
    const std::size_t k = static_cast<std::size_t>(y - kStart);
    EXPECT_EQ(scf[k * 3 + 0], 1150) << y;
    EXPECT_GT(scf[k * 3 + 1], 0) << y;
    EXPECT_NEAR(costs[k * items + items - 1], 10 * 2.3e6 * 0.2, 0.05) << y;  // its cost item is the last
  }
  for (int y = kStart; y < 2026; ++y) EXPECT_EQ(costs[static_cast<std::size_t>(y - kStart) * items + items - 1], 0.0);

  Scenario everyone = s;
  everyone.set("levers.supervised_consumption.facilities", 1000.0, {});
  const double ratio = drug_deaths(run(everyone), 2027, 2030) / drug_deaths(baseline_run(), 2027, 2030);
  std::printf("drug deaths 2027-2030 with places for everyone eligible vs baseline: %.4f\n", ratio);
  // Fatality x 0.65 for users, but only people who inject and are out of treatment
  // are eligible, and places are given quarterly, so many deaths in the first weeks
  // after release or leaving treatment come before a place. Measured 0.908; tolerance
  // 0.85-0.95 (without the effect, 1).
  EXPECT_GT(ratio, 0.85);
  EXPECT_LT(ratio, 0.95);
}

// With both examples on, results are still bit-identical for any thread count.
TEST(Extensions, BitIdenticalForAnyThreadCount) {
  Scenario s = scaled("extensions/supervised_consumption.yaml", 0.05);
  s.set("homelessness.enabled", true, {});
  const RunOutputs one = run(s, 1), three = run(s, 3);
  for (std::size_t t = 0; t < one.tables.size(); ++t) EXPECT_TRUE(one.tables[t] == three.tables[t]) << "table " << t;
}
