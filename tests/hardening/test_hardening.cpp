// Hardening (issue 9): the kernel's invariant checks catch each kind of broken model;
// the results file survives a full disk, an unwritable path and planted symbolic
// links without leaving a half-written result; output paths cannot leave their
// folder; grids too big for the machine are refused up front with the estimate.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "core/simulation.hpp"
#include "model/england_model.hpp"
#include "model/parameters.hpp"
#include "results/results_file.hpp"
#include "run/limits.hpp"

using namespace averted;
namespace fs = std::filesystem;

namespace {

// ---- a toy model with one fault switched on at a time ------------------------------

enum class Fault { None, Resurrect, NegativeCount, BadUntil, OverCapacity, SilentDeath, NoSuchState };

class ToyModel final : public Model {
 public:
  explicit ToyModel(Fault f) : fault_(f) {}
  const std::vector<StateSpec>& states() const override { return states_; }
  const std::vector<EventSpec>& events() const override { return events_; }
  const std::vector<OutputTable>& outputs() const override { return outputs_; }
  void declare_decisions(DecisionRegistry&) const override {}
  std::vector<std::string> step_plan() const override { return {"toy"}; }
  void add_columns(Population&) override {}
  void initialise(StepContext& ctx) override { ctx.pop.append(200, 0, 0.0f); }
  void begin_step(StepContext& ctx) override { ctx.pop.append(2, 0, static_cast<float>(ctx.clock.time_of_step(ctx.step))); }
  void hazards(const Population&, PersonId, double t, Hazards& h) const override {
    h.rate[0] = 2.0;  // death
    h.until = fault_ == Fault::BadUntil ? t : t + 1.0;
  }
  void apply(PersonContext& ctx, PersonId i, EventId, double t) const override {
    ctx.pop.state[i] = 1;
    ctx.pop.state_since[i] = static_cast<float>(t);
    ctx.tally.add(0, 0, fault_ == Fault::NegativeCount ? -1 : 1);
  }
  void end_step(StepContext& ctx) override {
    if (ctx.step != 12) return;  // just before a period start: checked at once
    for (PersonId i = 0; i < ctx.pop.size(); ++i) {
      const bool dead = ctx.pop.state[i] == 1;
      if (fault_ == Fault::Resurrect && dead) {
        ctx.pop.state[i] = 0;  // back from the dead, behind the kernel's back
        return;
      }
      if (fault_ == Fault::SilentDeath && !dead) {
        ctx.pop.state[i] = 1;  // dies without the kernel knowing: still scheduled
        return;
      }
      if (fault_ == Fault::NoSuchState) {
        ctx.pop.state[i] = 7;
        return;
      }
    }
  }
  void census(const Population&, PersonId, std::uint32_t, Tally&) const override {}
  std::uint32_t period_of_step(std::uint32_t) const override { return 0; }
  bool is_period_start(std::uint32_t step) const override { return step % 13 == 0; }
  std::string invariant_problem(const Population& pop, std::uint32_t) const override {
    if (fault_ != Fault::OverCapacity) return {};
    std::uint64_t alive = 0;
    for (PersonId i = 0; i < pop.size(); ++i) alive += pop.state[i] == 0;
    return alive > 100 ? "treatment holds " + std::to_string(alive) + " people, capacity 100" : "";
  }

 private:
  Fault fault_;
  std::vector<StateSpec> states_ = {{"alive", "", false}, {"dead", "", true}};
  std::vector<EventSpec> events_ = {{"death", ""}};
  std::vector<OutputTable> outputs_ = {
      {TableSpec{"deaths", "deaths", "toy deaths", CellType::Int64, {{"all", {"all"}}}}, 0.0}};
};

RunOutputs run_toy(Fault f, bool check) {
  ToyModel model(f);
  RunSettings settings;
  settings.clock = Clock{2000, 2002, 52};
  settings.key = {1, 0, 0};
  settings.threads = 2;
  settings.check_invariants = check;
  return run_simulation(model, settings);
}

std::string violation(Fault f) {
  try {
    run_toy(f, true);
  } catch (const InvariantViolation& e) {
    return e.what();
  }
  return "(no violation reported)";
}

// Sets an environment variable for one scope.
struct ScopedEnv {
  std::string name;
  ScopedEnv(std::string n, const char* value) : name(std::move(n)) { ::setenv(name.c_str(), value, 1); }
  ~ScopedEnv() { ::unsetenv(name.c_str()); }
};

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("averted-hardening-" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

ResultsLayout layout(std::size_t cells) {
  ResultsLayout l;
  l.scenarios = {"base"};
  l.draws = 1;
  l.replicates = 8;
  Dimension dim{"cell", {}};
  for (std::size_t i = 0; i < cells; ++i) dim.labels.push_back(std::to_string(i));
  l.tables = {TableSpec{"deaths", "deaths", "test", CellType::Int64, {dim}}};
  return l;
}

Provenance provenance() {
  Provenance p;
  p.scenario_files = {"base.yaml"};
  p.scenario_hashes = {"0"};
  p.merged_yaml = {"{}"};
  return p;
}

// Incompressible values (the file is gzip-compressed), so the file really grows.
RunOutputs noisy_run(std::size_t cells, std::uint64_t seed) {
  std::vector<std::int64_t> v(cells);
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (auto& c : v) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<std::int64_t>(x >> 1);
  }
  return RunOutputs{{v}};
}

// Runs `body` with the file-size limit set to `bytes` (the kernel then refuses writes
// past it with EFBIG, as a full disk refuses them with ENOSPC) and SIGXFSZ ignored.
void with_file_size_limit(rlim_t bytes, const std::function<void()>& body) {
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  struct sigaction ignore {}, previous {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGXFSZ, &ignore, &previous);
  rlimit small = old;
  small.rlim_cur = bytes;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  try {
    body();
  } catch (...) {
    setrlimit(RLIMIT_FSIZE, &old);
    sigaction(SIGXFSZ, &previous, nullptr);
    throw;
  }
  setrlimit(RLIMIT_FSIZE, &old);
  sigaction(SIGXFSZ, &previous, nullptr);
}

}  // namespace

// ---- invariants --------------------------------------------------------------------

TEST(Invariants, AHealthyModelPassesEveryCheck) { EXPECT_NO_THROW(run_toy(Fault::None, true)); }

TEST(Invariants, PeopleBroughtBackFromTheDeadBreakConservation) {
  EXPECT_NE(violation(Fault::Resurrect).find("people not conserved"), std::string::npos) << violation(Fault::Resurrect);
}

TEST(Invariants, APersonDeadButStillScheduledIsCaught) {
  EXPECT_NE(violation(Fault::SilentDeath).find("is dead but has an event due"), std::string::npos)
      << violation(Fault::SilentDeath);
}

TEST(Invariants, NegativeCountsAreCaught) {
  EXPECT_NE(violation(Fault::NegativeCount).find("negative count"), std::string::npos)
      << violation(Fault::NegativeCount);
}

TEST(Invariants, HazardsThatDoNotMoveTimeForwardAreCaught) {
  EXPECT_NE(violation(Fault::BadUntil).find("not after now"), std::string::npos) << violation(Fault::BadUntil);
}

TEST(Invariants, TheModelsCapacityCheckIsCalled) {
  EXPECT_NE(violation(Fault::OverCapacity).find("capacity 100"), std::string::npos)
      << violation(Fault::OverCapacity);
}

TEST(Invariants, AStateThatDoesNotExistIsCaught) {
  EXPECT_NE(violation(Fault::NoSuchState).find("does not exist"), std::string::npos)
      << violation(Fault::NoSuchState);
}

TEST(Invariants, OffByDefaultAndSwitchedOnByTheEnvironment) {
  ::unsetenv("AVERTED_CHECK_INVARIANTS");
  EXPECT_NO_THROW(run_toy(Fault::Resurrect, false));
  ScopedEnv on("AVERTED_CHECK_INVARIANTS", "1");
  EXPECT_THROW(run_toy(Fault::Resurrect, false), InvariantViolation);
}

TEST(Invariants, TheEnglandBaselinePassesEveryCheck) {
  Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/england/baseline.yaml", standard_parameters());
  s.set("run.population_scale", 0.02, {});
  auto model = england::make_model(s);
  RunSettings settings;
  settings.clock = england::clock_from(s);
  settings.key = {7, 0, 0};
  settings.threads = 2;
  settings.check_invariants = true;
  EXPECT_NO_THROW(run_simulation(*model, settings));
}

// ---- results file: full disk, unwritable paths, links -------------------------------

// The full-disk cases run in a child process that leaves with _exit: after a failed
// write, HDF5's C++ library (linked into this test by some toolchains) can still crash
// in its own clean-up at exit, which the `averted` program does not link
// (docs/reliability.md). The child's stderr says what went wrong.
void full_disk_writing_runs() {
  const fs::path dir = fresh_dir("full");
  const fs::path out = dir / "results.h5";
  const std::size_t cells = 40000;  // 320 kB a run
  std::string message;
  with_file_size_limit(700 * 1024, [&] {
    try {
      ResultsFile f = ResultsFile::create(out, layout(cells), provenance());
      for (std::uint32_t r = 0; r < 8; ++r) f.write_run(0, 0, r, noisy_run(cells, r));
      f.finalize();
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
  });
  std::fprintf(stderr, "message: %s\n", message.c_str());
  const bool ok = !message.empty() && message.find("was removed") != std::string::npos && !fs::exists(out) &&
                  !fs::exists(partial_path_for(out));
  std::_Exit(ok ? 0 : 1);
}

void full_disk_creating() {
  const fs::path dir = fresh_dir("full-create");
  const fs::path out = dir / "results.h5";
  std::string message;
  with_file_size_limit(1024, [&] {
    try {
      ResultsFile f = ResultsFile::create(out, layout(10), provenance());
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
  });
  std::fprintf(stderr, "message: %s\n", message.c_str());
  std::_Exit(!message.empty() && !fs::exists(partial_path_for(out)) ? 0 : 1);
}

TEST(ResultsFaults, AFullDiskLeavesNoHalfWrittenResult) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(full_disk_writing_runs(), ::testing::ExitedWithCode(0), "was removed and nothing was written");
}

TEST(ResultsFaults, AFullDiskWhileCreatingLeavesNothing) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(full_disk_creating(), ::testing::ExitedWithCode(0), "message: .+");
}

TEST(ResultsFaults, AnUnwritablePathGivesAClearError) {
  const fs::path dir = fresh_dir("unwritable");
  std::ofstream(dir / "a-file") << "x";
  for (const fs::path& out : {dir / "a-file" / "results.h5", fs::path("/proc/averted-results.h5"),
                              dir / "missing" / "results.h5"}) {
    try {
      ResultsFile::create(out, layout(10), provenance());
      ADD_FAILURE() << out << " was accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(out.string()), std::string::npos) << e.what();
    }
  }
}

TEST(ResultsFaults, APlantedLinkAtThePartialPathIsNotWrittenThrough) {
  const fs::path dir = fresh_dir("link");
  const fs::path victim = dir / "precious.txt";
  std::ofstream(victim) << "keep me";
  const fs::path out = dir / "out" / "results.h5";
  fs::create_directories(out.parent_path());
  fs::create_symlink(victim, partial_path_for(out));
  EXPECT_THROW(ResultsFile::create(out, layout(10), provenance()), std::runtime_error);
  std::ifstream in(victim);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "keep me");
  EXPECT_TRUE(fs::is_symlink(partial_path_for(out)));  // the user's link is left alone
}

TEST(OutputPaths, StayInsideTheOutputFolder) {
  const fs::path dir = fresh_dir("inside");
  fs::create_directories(dir / "sub");
  EXPECT_EQ(path_inside(dir, "a.csv"), dir / "a.csv");
  EXPECT_EQ(path_inside(dir, "sub/b.csv"), dir / "sub/b.csv");
}

TEST(OutputPaths, EscapesAreRefused) {
  const fs::path dir = fresh_dir("escape");
  fs::create_symlink("/tmp", dir / "out-link");
  for (const char* name : {"../x.csv", "/etc/x.csv", "sub/../../x.csv", "out-link/x.csv", "", "."}) {
    EXPECT_THROW(path_inside(dir, name), std::runtime_error) << name;
  }
}

// ---- limits ------------------------------------------------------------------------

namespace {
Scenario england_with(double scale, double initial) {
  Scenario s = load_scenario(AVERTED_SOURCE_DIR "/scenarios/england/baseline.yaml", standard_parameters());
  s.set("run.population_scale", scale, {});
  s.set("population.initial_size", initial, {});
  return s;
}
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST(Limits, TheBaselineEstimateIsSane) {
  const ResourceEstimate e = estimate_resources({england_with(1.0, 60000)}, 1, 1, 2);
  EXPECT_GT(e.people, 1e5);
  EXPECT_LT(e.people, 1e7);
  EXPECT_LT(e.memory_bytes, 2e9);
  EXPECT_NO_THROW(check_resources(e, MachineLimits{kInf, kInf, kInf, 2}, false));
}

TEST(Limits, MoreThanTwoToThe32PeopleIsAlwaysRefused) {
  Scenario s = england_with(10.0, 1e7);
  Series many;
  many.keys = {1900};
  many.values = {1e6};
  s.set("population.new_injectors", many, {});
  s.set("population.initiates_per_injector", 1000.0, {});
  const ResourceEstimate e = estimate_resources({s}, 1, 1, 2);
  try {
    check_resources(e, MachineLimits{kInf, kInf, kInf, 2}, /*ignore_soft_limits=*/true);
    FAIL() << "accepted " << e.describe();
  } catch (const ResourceLimitExceeded& x) {
    EXPECT_NE(std::string(x.what()).find("4,294,967,295"), std::string::npos) << x.what();
  }
}

TEST(Limits, MemoryDiskAndTimeAreRefusedWithTheEstimate) {
  const ResourceEstimate e = estimate_resources({england_with(1.0, 60000)}, 1, 100, 2);
  try {
    check_resources(e, MachineLimits{1e6, 1e3, 1.0, 2}, false);
    FAIL() << "accepted";
  } catch (const ResourceLimitExceeded& x) {
    const std::string m = x.what();
    for (const char* part : {"memory: needs up to", "disk: the results need", "time: about", "estimate: up to"}) {
      EXPECT_NE(m.find(part), std::string::npos) << part << "\n" << m;
    }
  }
  EXPECT_NO_THROW(check_resources(e, MachineLimits{1e6, 1e3, 1.0, 2}, /*ignore_soft_limits=*/true));
}

TEST(Limits, TheTimeLimitComesFromTheEnvironment) {
  {
    ScopedEnv limit("AVERTED_TIME_LIMIT", "90m");
    EXPECT_DOUBLE_EQ(machine_limits(".", 1).seconds, 5400.0);
  }
  {
    ScopedEnv limit("AVERTED_TIME_LIMIT", "soon");
    EXPECT_THROW(machine_limits(".", 1), std::invalid_argument);
  }
}
