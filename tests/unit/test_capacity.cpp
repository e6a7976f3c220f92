// Shared capacity: places are never exceeded, queue rules hold, the risk score is
// computed as documented, and results stay bit-identical for any thread count.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <variant>

#include "core/simulation.hpp"
#include "model/england_model.hpp"
#include "model/joining_order.hpp"
#include "model/parameters.hpp"

using namespace averted;
using namespace averted::england;

namespace {

// England at 5% scale with community treatment places capped at 40,000 (England
// scale) from 1981, before demand reaches that: waiting lists form and persist.
Scenario capped(const std::string& queue) {
  Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/england/baseline.yaml", standard_parameters());
  s.set("run.population_scale", 0.05, {});
  s.set("run.end_year", std::int64_t{2011}, {});
  s.set("levers.capacity.start", 1981.0, {});
  s.set("levers.capacity.ost_places", 40000.0, {});
  s.set("levers.capacity.residential_places", 200.0, {});
  s.set("levers.capacity.queue", queue, {});
  s.set("levers.capacity.outreach_contacts_per_week", 200.0, {});
  s.set("levers.capacity.kits_per_year_treatment", 5000.0, {});
  return s;
}

RunOutputs run(const Scenario& s, int threads) {
  auto model = make_model(s);
  RunSettings settings;
  settings.clock = clock_from(s);
  settings.key = {11, 0, 0};
  settings.threads = threads;
  settings.check_invariants = true;
  return run_simulation(*model, settings);
}

double service(const RunOutputs& out, std::size_t year, Service s, ServiceMeasure m) {
  return std::get<std::vector<double>>(out.tables[EnglandModel::kServices])[(year * kServiceCount + s) * kServiceMeasureCount + m];
}

}  // namespace

TEST(Capacity, PlacesAreNeverExceededAndPeopleWait) {
  const RunOutputs out = run(capped("fifo"), 2);
  const auto& deaths = std::get<std::vector<std::int64_t>>(out.tables[EnglandModel::kDeaths]);
  const auto& events = std::get<std::vector<std::int64_t>>(out.tables[EnglandModel::kEvents]);
  double waited = 0, admitted = 0;
  for (std::size_t y = 2; y < 31; ++y) {  // 1982-2010: the cap is in force all year
    for (Service s : {kServiceOst, kServiceResidential}) {
      EXPECT_LE(service(out, y, s, kPlaceYearsUsed), service(out, y, s, kPlaceYearsAvailable) + 1e-6)
          << kServiceNames[s] << " in " << 1980 + y;
      EXPECT_EQ(service(out, y, s, kOverCapacityAdmissions), 0.0);
    }
    waited += service(out, y, kServiceOst, kWaitingPersonYears);
    admitted += service(out, y, kServiceOst, kAdmittedFromList);
  }
  EXPECT_GT(waited, 100.0);
  EXPECT_GT(admitted, 1000.0);
  // Waiting carries its own risks: people die and give up while waiting.
  std::int64_t died_waiting = 0, gave_up = 0;
  for (std::size_t k = 0; k < deaths.size(); ++k) died_waiting += (k % kPathwayCount == kPwWaiting) ? deaths[k] : 0;
  for (std::size_t y = 0; y < events.size() / kEventCount; ++y) gave_up += events[y * kEventCount + kLeaveWaitingList];
  EXPECT_GT(died_waiting, 0);
  EXPECT_GT(gave_up, 0);
}

TEST(Capacity, WhenTheLimitEndsEveryoneWaitingIsAdmitted) {
  Scenario s = capped("fifo");
  s.set("levers.capacity.end", 2000.0, {});
  const RunOutputs out = run(s, 2);
  EXPECT_GT(service(out, 1999 - 1980, kServiceOst, kWaitingPersonYears), 1.0);
  EXPECT_GT(service(out, 1999 - 1980, kServiceOst, kAdmittedFromList), 0.0);
  for (std::size_t y = 2000 - 1980; y < 2011 - 1980; ++y) {
    // At most the one step after the end, while referrals of that step join.
    EXPECT_LT(service(out, y, kServiceOst, kWaitingPersonYears), 1.0) << 1980 + y;
  }
}

TEST(Capacity, EntriesOfPeopleWhoLeftAreTidiedAway) {
  // Few places and people giving up fast: most entries die before reaching the front
  // of the list. The invariant checks (on in run()) fail the run if the list ever holds
  // more than twice the people waiting plus those just admitted.
  Scenario s = capped("fifo");
  s.set("run.end_year", std::int64_t{1990}, {});
  s.set("levers.capacity.ost_places", 2000.0, {});
  s.set("levers.capacity.residential_places", 20.0, {});
  s.set("levers.capacity.waiting_dropoff_rate", 26.0, {});
  const RunOutputs out = run(s, 2);
  EXPECT_GT(service(out, 8, kServiceOst, kWaitingPersonYears), 0.0);  // 1988: people wait
}

// Places tighter than in capped() and 9 years instead of 30, so that the waiting list
// is long from the start and the test stays quick under the sanitizers (TSan runs it).
TEST(Capacity, BitIdenticalForAnyThreadCountWithCapacityInPlay) {
  for (const char* queue : {"fifo", "random", "risk"}) {
    Scenario s = capped(queue);
    s.set("levers.capacity.ost_places", 10000.0, {});
    s.set("run.end_year", std::int64_t{1990}, {});
    const RunOutputs one = run(s, 1), three = run(s, 3);
    double admitted = 0;
    for (std::size_t y = 1; y < 10; ++y) admitted += service(one, y, kServiceOst, kAdmittedFromList);
    // measured: about 1,650 for each queue rule
    EXPECT_GT(admitted, 1000.0) << queue << ": the places must be contested for this test to mean anything";
    for (std::size_t t = 0; t < one.tables.size(); ++t) EXPECT_TRUE(one.tables[t] == three.tables[t]) << queue << " table " << t;
  }
}

// Rationed naloxone by channel and outreach with a fixed number of contacts a week:
// each quarter's kits and each week's contacts are handed out exactly (there are
// always more people eligible than kits or contacts here).
TEST(Capacity, KitsByChannelAndOutreachContactsFollowTheirQuotas) {
  Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/england/baseline.yaml", standard_parameters());
  s.set("run.population_scale", 0.05, {});
  s.set("run.end_year", std::int64_t{2030}, {});
  s.set("levers.capacity.start", 2026.0, {});
  s.set("levers.capacity.kits_per_year_treatment", 20000.0, {});  // 1,000 a year at 5%: 250 a quarter
  s.set("levers.capacity.kits_per_year_outreach", 1000.0, {});    // 12.5 a quarter: 12 handed out
  s.set("levers.capacity.kits_per_year_pharmacy_peer", 10000.0, {});
  s.set("levers.capacity.outreach_contacts_per_week", 200.0, {});  // 10 a week at 5%
  s.set("levers.capacity.queue", std::string("risk"), {});
  const RunOutputs out = run(s, 2);
  const auto& kits = std::get<std::vector<std::int64_t>>(out.tables[EnglandModel::kNaloxone]);
  const auto& events = std::get<std::vector<std::int64_t>>(out.tables[EnglandModel::kEvents]);
  for (int year = 2027; year <= 2029; ++year) {
    const std::size_t y = static_cast<std::size_t>(year - 1980);
    EXPECT_EQ(kits[y * kNaloxoneFlowCount + kKitTreatment], 1000) << year;
    EXPECT_EQ(kits[y * kNaloxoneFlowCount + kKitOutreach], 4 * 12) << year;
    EXPECT_EQ(kits[y * kNaloxoneFlowCount + kKitPharmacyPeer], 500) << year;
    EXPECT_GT(kits[y * kNaloxoneFlowCount + kKitPrisonRelease], 0) << year;  // release kits are not rationed
    EXPECT_EQ(events[y * kEventCount + kOutreachContact], 52 * 10) << year;
  }
}

// A small population built by hand, to check the queue rules and the risk score.
class QueueRules : public ::testing::Test {
 protected:
  void SetUp() override {
    Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/england/baseline.yaml", standard_parameters());
    s.set("population.initial_size", 6.0, {});
    s.set("run.population_scale", 1.0, {});
    model = std::make_unique<EnglandModel>(Parameters::from(s));
    model->add_columns(pop);
    StepContext ctx{pop, random, tally, model->parameters().clock, 0};
    model->initialise(ctx);
    people = pop.data(model->person_column());
    for (PersonId i = 0; i < 6; ++i) {
      PersonRecord& r = people[i];
      r = PersonRecord{};
      r.birth = -30.0f;  // aged 30 at time 0
      r.last_exit = r.last_release = r.naloxone_expiry = r.last_overdose = kNoTime;
      pop.state[i] = kWaiting;
    }
  }
  std::vector<PersonId> order(Parameters::Queue rule, std::vector<std::pair<float, PersonId>> c, std::uint32_t step = 7) {
    StepContext ctx{pop, random, tally, model->parameters().clock, step};
    model->rank(ctx, c, now, rule, Decision{18});
    std::vector<PersonId> ids;
    for (auto& e : c) ids.push_back(e.second);
    return ids;
  }
  const double now = 1.0;
  Population pop;
  std::unique_ptr<EnglandModel> model;
  PersonRecord* people = nullptr;
  RandomStreams random{StreamKey{5, 0, 0}};
  Tally tally;
};

TEST_F(QueueRules, FifoServesTheLongestWaitingFirst) {
  const std::vector<std::pair<float, PersonId>> joined = {{0.5f, 3}, {0.1f, 5}, {0.3f, 0}, {0.1f, 2}, {0.9f, 1}};
  EXPECT_EQ(order(Parameters::kFifo, joined), (std::vector<PersonId>{2, 5, 0, 3, 1}));  // ties: lower id first
}

TEST_F(QueueRules, RiskScoreIsTheDocumentedSumOfLogRateRatios) {
  EXPECT_DOUBLE_EQ(model->risk_score(pop, 0, now), 0.0);
  people[1].last_release = static_cast<float>(now - 1.0 / 52);  // released a week ago
  people[1].injecting = 1;
  EXPECT_NEAR(model->risk_score(pop, 1, now), std::log(7.5) + std::log(2.27 / 1.73), 1e-12);
  people[2].last_exit = static_cast<float>(now - 3.0 / 52);  // left treatment 3 weeks ago
  people[2].sedatives = 1;
  people[2].copd = 1;
  EXPECT_NEAR(model->risk_score(pop, 2, now), std::log(13.39) + std::log(1.45) + std::log(1.5), 1e-12);
  people[3].last_overdose = static_cast<float>(now - 0.5);  // overdosed 6 months ago
  people[3].birth = static_cast<float>(now - 50.0);        // aged 50
  EXPECT_NEAR(model->risk_score(pop, 3, now), std::log(1.95) + std::log(529.0 / 422.1), 1e-12);
  people[4].last_release = static_cast<float>(now - 5.0 / 52);  // 5 weeks: window over
  EXPECT_DOUBLE_EQ(model->risk_score(pop, 4, now), 0.0);
}

TEST_F(QueueRules, RiskServesTheHighestScoreFirst) {
  people[4].last_exit = static_cast<float>(now - 1.0 / 52);     // ln 13.39
  people[1].last_release = static_cast<float>(now - 1.0 / 52);  // ln 7.5
  people[3].sedatives = 1;                                       // ln 1.45
  const auto ids = order(Parameters::kRisk, {{0.1f, 0}, {0.2f, 1}, {0.3f, 2}, {0.4f, 3}, {0.5f, 4}, {0.6f, 5}});
  EXPECT_EQ(ids[0], 4u);
  EXPECT_EQ(ids[1], 1u);
  EXPECT_EQ(ids[2], 3u);
}

TEST_F(QueueRules, RandomOrderDoesNotDependOnTheListOrder) {
  std::vector<std::pair<float, PersonId>> c = {{0.1f, 0}, {0.2f, 1}, {0.3f, 2}, {0.4f, 3}, {0.5f, 4}, {0.6f, 5}};
  const auto first = order(Parameters::kRandom, c);
  std::mt19937 shuffle(3);
  for (int k = 0; k < 5; ++k) {
    std::shuffle(c.begin(), c.end(), shuffle);
    EXPECT_EQ(order(Parameters::kRandom, c), first);
  }
  EXPECT_NE(order(Parameters::kRandom, c, 8), first);  // a new step draws anew
}

TEST_F(QueueRules, AnEntryFromAnEarlierEpisodeStaysOffTheList) {
  // OST: waiting again since 0.6, so the entry made on joining at 0.3 is dead.
  pop.state_since[0] = 0.6f;
  EXPECT_TRUE(model->on_list(pop, kServiceOst, {0.6f, 0}));
  EXPECT_FALSE(model->on_list(pop, kServiceOst, {0.3f, 0}));
  // Residential: referred at 0.3 in one OST episode, which ended (the referral
  // lapsed); in OST again since 0.5 and referred again at 0.7. Only the new entry
  // counts: the old one would admit them with a wait that began in the earlier episode.
  pop.state[1] = kOst;
  pop.state_since[1] = 0.5f;
  people[1].queued_residential = 1;
  EXPECT_TRUE(model->on_list(pop, kServiceResidential, {0.7f, 1}));
  EXPECT_FALSE(model->on_list(pop, kServiceResidential, {0.3f, 1}));
  people[1].queued_residential = 0;  // the new referral lapsed too
  EXPECT_FALSE(model->on_list(pop, kServiceResidential, {0.7f, 1}));
}

TEST(JoiningOrder, SortsAsStdSortDoesTiesByIdIncluded) {
  // Lists of the sizes a step sees, from times within one week of a 25-year run (many
  // equal floats: ties go to the lower id), and from all over the run, including 0.
  std::mt19937 g(17);
  for (int trial = 0; trial < 200; ++trial) {
    const double week = (trial % 50) * 0.5;
    const bool wide = trial % 7 == 0;
    std::vector<std::pair<float, PersonId>> entries;
    const int n = trial == 0 ? 0 : trial == 1 ? 1 : static_cast<int>(g() % 3000);
    for (int k = 0; k < n; ++k) {
      const double t = wide ? std::uniform_real_distribution<>(0.0, 50.0)(g) : week + std::uniform_real_distribution<>(0.0, 1.0 / 52)(g);
      entries.emplace_back(k % 97 == 0 ? 0.0f : static_cast<float>(t), static_cast<PersonId>(g() % (wide ? 4000000000u : 600000u)));
    }
    auto expected = entries;
    std::sort(expected.begin(), expected.end());
    sort_by_joining(entries);
    ASSERT_EQ(entries, expected) << "trial " << trial;
  }
}

// Information systems that find those most at risk: the same 10,000 places given by
// risk score are expected to avert more drug deaths than given at random. Measured
// without noise from the holders' hazards at allocation (the `case_management`
// table), in the shipped scenarios at 20% of England.
TEST(CaseManagement, PlacesByRiskAvertMoreThanAtRandom) {
  double expected[2] = {0, 0};
  int k = 0;
  for (const char* file : {"case_management_risk.yaml", "case_management_random.yaml"}) {
    Scenario s = load_scenario(std::string(AVERTED_SOURCE_DIR "/scenarios/england/") + file, standard_parameters());
    s.set("run.population_scale", 0.2, {});
    const RunOutputs out = run(s, 2);
    const auto& cm = std::get<std::vector<double>>(out.tables[EnglandModel::kCaseManagement]);
    for (std::size_t y = 0; y < cm.size() / 2; ++y) expected[k] += cm[y * 2 + 1];
    ++k;
  }
  EXPECT_GT(expected[1], 0.0);
  EXPECT_GT(expected[0], 2.0 * expected[1]);  // measured about 3.8 times
}

// Budget mode: places = budget x share / unit cost; discounting at 3.5% from 2026.
TEST(Budget, PlacesFollowTheBudgetAndCostsAreDiscounted) {
  Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/england/budget_fixed.yaml", standard_parameters());
  s.set("run.population_scale", 0.05, {});
  const RunOutputs out = run(s, 2);
  const std::size_t y2028 = 2028 - 1980;
  const double ost_places = 240e6 * 0.80 / 1970 * 0.05;
  EXPECT_NEAR(service(out, y2028, kServiceOst, kPlaceYearsAvailable), std::floor(ost_places), 1e-3);
  const auto& costs = std::get<std::vector<double>>(out.tables[EnglandModel::kCosts]);
  const auto& discounted = std::get<std::vector<double>>(out.tables[EnglandModel::kCostsDiscounted]);
  const std::size_t items = costs.size() / (2031 - 1980);  // England's cost items, then extensions'
  for (std::size_t item = 0; item < items; ++item) {
    const std::size_t cell = y2028 * items + item;
    EXPECT_NEAR(discounted[cell], costs[cell] / (1.035 * 1.035), 0.02) << "cost item " << item;
    const std::size_t cell2026 = (2026 - 1980) * items + item;
    EXPECT_DOUBLE_EQ(discounted[cell2026], costs[cell2026]);
  }
}
