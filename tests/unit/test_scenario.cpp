// Tests of the scenario layer: the parameter table, series, loading layered YAML
// files, the error messages for malformed files, merged output, hashing and the
// generated schema/listing/defaults. Uses a small table of its own, not the model's.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "scenario/parameter.hpp"
#include "scenario/scenario.hpp"
#include "scenario/schema.hpp"

#ifndef AVERTED_TEST_DATA_DIR
#error "AVERTED_TEST_DATA_DIR must name tests/scenarios"
#endif

namespace fs = std::filesystem;
using namespace averted;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

ParamSpec spec(std::string path, ParamType type, ParamValue def) {
  ParamSpec s;
  s.path = std::move(path);
  s.type = type;
  s.default_value = std::move(def);
  return s;
}

Series step(std::vector<double> keys, std::vector<double> values) {
  Series s;
  s.keys = std::move(keys);
  s.values = std::move(values);
  return s;
}

const ParamTable& table() {
  static const ParamTable t = [] {
    ParamTable t;
    {
      auto s = spec("scenario.name", ParamType::Text, std::string("baseline"));
      s.description = "A short name shown in reports.";
      t.add(s);
    }
    {
      auto s = spec("run.start_year", ParamType::Integer, std::int64_t{2000});
      s.unit = "calendar year";
      s.min = 1980;
      s.max = 2100;
      s.description = "First simulated year.";
      t.add(s);
    }
    {
      auto s = spec("run.end_year", ParamType::Integer, std::int64_t{2040});
      s.unit = "calendar year";
      s.min = 1980;
      s.max = 2100;
      s.description = "Last simulated year.";
      t.add(s);
    }
    {
      auto s = spec("run.seed", ParamType::Integer, std::int64_t{1});
      s.description = "Random seed.";
      t.add(s);
    }
    {
      auto s = spec("overdose.rate", ParamType::Real, 0.01);
      s.unit = "per person-year";
      s.min = 0;
      s.description = "Overdoses per person-year among people who use opioids.";
      s.source = "evidence:od_rate";
      t.add(s);
    }
    {
      auto s = spec("overdose.fatality", ParamType::Real, 0.05);
      s.unit = "probability";
      s.min = 0;
      s.max = 1;
      s.description = "Probability that an overdose is fatal.";
      s.source = "evidence:od_fatality | ONS 2023";
      t.add(s);
    }
    {
      auto s = spec("naloxone.kits_per_year", ParamType::Series, step({2000}, {0}));
      s.unit = "kits per year";
      s.min = 0;
      s.key_unit = "calendar year";
      s.key_min = 1980;
      s.key_max = 2100;
      s.description = "Take-home naloxone kits distributed each year.";
      s.source = "PHE naloxone survey";
      t.add(s);
    }
    {
      auto s = spec("treatment.retention_by_age", ParamType::Series, step({18, 65}, {0.5, 0.8}));
      s.unit = "probability";
      s.min = 0;
      s.max = 1;
      s.key_unit = "age";
      s.key_min = 0;
      s.key_max = 110;
      s.interp = Series::Interp::Linear;
      s.description = "Probability of staying in treatment for a year,\nby age.";
      t.add(s);
    }
    {
      auto s = spec("capacity.queue", ParamType::Choice, std::string("fifo"));
      s.choices = {"fifo", "random", "risk"};
      s.description = "Who gets a free treatment place first.";
      t.add(s);
    }
    {
      auto s = spec("capacity.beds", ParamType::Integer, std::int64_t{100});
      s.unit = "people";
      s.min = 0;
      s.description = "Residential treatment places.";
      t.add(s);
    }
    {
      auto s = spec("output.weekly", ParamType::Boolean, false);
      s.description = "Also write weekly tables.";
      t.add(s);
    }
    return t;
  }();
  return t;
}

fs::path data(const std::string& rel) { return fs::path(AVERTED_TEST_DATA_DIR) / rel; }
std::string data_str(const std::string& rel) { return data(rel).lexically_normal().string(); }

std::vector<ScenarioError> load_errors(const fs::path& path) {
  try {
    load_scenario(path, table());
  } catch (const ScenarioErrors& e) {
    return e.errors();
  }
  ADD_FAILURE() << path << " loaded without errors";
  return {};
}

std::string all_formatted(const std::vector<ScenarioError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.format() + "\n";
  return out;
}

// One malformed file, exactly one error: file, line, yaml path and a message fragment.
void expect_one_error(const std::string& rel, int line, const std::string& yaml_path,
                      const std::string& fragment, const std::string& error_file = {}) {
  SCOPED_TRACE(rel);
  const auto errors = load_errors(data(rel));
  ASSERT_EQ(errors.size(), 1u) << all_formatted(errors);
  const auto& e = errors.front();
  EXPECT_EQ(e.file, error_file.empty() ? data(rel).string() : error_file);
  EXPECT_EQ(e.line, line);
  EXPECT_EQ(e.yaml_path, yaml_path);
  EXPECT_NE(e.format().find(fragment), std::string::npos)
      << "message: " << e.format() << "\nmissing: " << fragment;
}

fs::path temp_dir() {
  return fs::temp_directory_path() / ("averted_test_scenario_" + std::to_string(::getpid()));
}

// Removes this process's temporary files when the tests end.
class TempCleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(temp_dir(), ec);
  }
};
[[maybe_unused]] ::testing::Environment* const temp_cleanup =
    ::testing::AddGlobalTestEnvironment(new TempCleanup);

fs::path temp_file(const std::string& name, const std::string& text) {
  const fs::path dir = temp_dir();
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p;
}

}  // namespace

// ---------------------------------------------------------------------------------
// Series

TEST(Series, StepHoldsEachValueFromItsKey) {
  Series s = step({2020, 2026.25, 2030}, {1, 2, 3});
  EXPECT_EQ(s.at(1990), 1);
  EXPECT_EQ(s.at(2020), 1);
  EXPECT_EQ(s.at(2026.2), 1);
  EXPECT_EQ(s.at(2026.25), 2);
  EXPECT_EQ(s.at(2029.99), 2);
  EXPECT_EQ(s.at(2030), 3);
  EXPECT_EQ(s.at(2100), 3);
}

TEST(Series, LinearInterpolatesAndClamps) {
  Series s = step({10, 20, 30}, {0, 1, 1});
  s.interp = Series::Interp::Linear;
  EXPECT_EQ(s.at(0), 0);
  EXPECT_EQ(s.at(10), 0);
  EXPECT_DOUBLE_EQ(s.at(15), 0.5);
  EXPECT_DOUBLE_EQ(s.at(17.5), 0.75);
  EXPECT_EQ(s.at(20), 1);
  EXPECT_EQ(s.at(25), 1);
  EXPECT_EQ(s.at(99), 1);
}

TEST(Series, SingleKeyIsConstant) {
  Series s = step({2000}, {7});
  EXPECT_EQ(s.at(-1e9), 7);
  EXPECT_EQ(s.at(1e9), 7);
  EXPECT_EQ(s.next_change_after(0), kInf);
}

TEST(Series, NextChangeAfterSkipsRepeatedValues) {
  Series s = step({2020, 2022, 2025, 2030}, {1, 1, 2, 2});
  EXPECT_EQ(s.next_change_after(1900), 2025);
  EXPECT_EQ(s.next_change_after(2020), 2025);
  EXPECT_EQ(s.next_change_after(2024.9), 2025);
  EXPECT_EQ(s.next_change_after(2025), kInf);
  EXPECT_EQ(s.next_change_after(2031), kInf);
}

TEST(Series, NextChangeAfterLinear) {
  Series s = step({10, 20, 30, 40}, {0, 0, 1, 1});
  s.interp = Series::Interp::Linear;
  EXPECT_EQ(s.next_change_after(0), 20);   // constant until 20, then rises
  EXPECT_EQ(s.next_change_after(20), 30);  // rising: the next breakpoint
  EXPECT_EQ(s.next_change_after(25), 30);
  EXPECT_EQ(s.next_change_after(30), kInf);
}

TEST(Dates, DecimalYear) {
  EXPECT_EQ(decimal_year(2026, 1, 1), 2026.0);
  EXPECT_DOUBLE_EQ(decimal_year(2026, 4, 1), 2026.0 + 90.0 / 365.0);
  EXPECT_DOUBLE_EQ(decimal_year(2024, 3, 1), 2024.0 + 60.0 / 366.0);  // leap year
  EXPECT_TRUE(std::isnan(decimal_year(2026, 2, 29)));
  EXPECT_FALSE(std::isnan(decimal_year(2024, 2, 29)));
  EXPECT_TRUE(std::isnan(decimal_year(2026, 13, 1)));
  EXPECT_TRUE(std::isnan(decimal_year(2026, 4, 31)));
}

// Back from a decimal year to the date, for readers: every day of a common and a leap
// year; whole years and numbers that are no date's decimal year stay numbers ("").
TEST(Dates, DateOfDecimalYear) {
  for (int year : {2026, 2024}) {
    for (int month = 1; month <= 12; ++month) {
      for (int day = 1; day <= 31; ++day) {
        const double x = decimal_year(year, month, day);
        if (std::isnan(x) || (month == 1 && day == 1)) continue;
        EXPECT_EQ(date_of_decimal_year(x), fmt::format("{}-{:02d}-{:02d}", year, month, day));
      }
    }
  }
  EXPECT_EQ(date_of_decimal_year(2026.0), "");
  EXPECT_EQ(date_of_decimal_year(2026.3), "");
  EXPECT_EQ(date_of_decimal_year(std::nan("")), "");
}

TEST(Text, EditDistance) {
  EXPECT_EQ(edit_distance("fatality", "fatality"), 0u);
  EXPECT_EQ(edit_distance("fatalty", "fatality"), 1u);
  EXPECT_EQ(edit_distance("fatailty", "fatality"), 1u);  // transposition
  EXPECT_EQ(edit_distance("Fatality", "fatality"), 0u);  // case-insensitive
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Text, FormatNumberRoundTrips) {
  EXPECT_EQ(format_number(0.05), "0.05");
  EXPECT_EQ(format_number(2026), "2026");
  EXPECT_EQ(format_number(2026.25), "2026.25");
  const double d = decimal_year(2026, 4, 1);
  EXPECT_EQ(std::stod(format_number(d)), d);
}

// ---------------------------------------------------------------------------------
// ParamTable

TEST(ParamTable, RejectsBadDeclarations) {
  ParamTable t;
  t.add(spec("a.b", ParamType::Real, 0.5));
  EXPECT_THROW(t.add(spec("a.b", ParamType::Real, 0.5)), std::logic_error);        // duplicate
  EXPECT_THROW(t.add(spec("a.c", ParamType::Real, std::int64_t{1})), std::logic_error);  // type
  EXPECT_THROW(t.add(spec("a.d", ParamType::Integer, 1.0)), std::logic_error);
  EXPECT_THROW(t.add(spec("a.e", ParamType::Boolean, std::string("x"))), std::logic_error);
  EXPECT_THROW(t.add(spec("a", ParamType::Real, 1.0)), std::logic_error);  // a is a group
  EXPECT_THROW(t.add(spec("a.b.c", ParamType::Real, 1.0)), std::logic_error);  // below a.b
  EXPECT_THROW(t.add(spec("", ParamType::Real, 1.0)), std::logic_error);
  EXPECT_THROW(t.add(spec("x..y", ParamType::Real, 1.0)), std::logic_error);
  EXPECT_THROW(t.add(spec("extends", ParamType::Text, std::string())), std::logic_error);
  {
    auto s = spec("r.out", ParamType::Real, 2.0);
    s.min = 0;
    s.max = 1;
    EXPECT_THROW(t.add(s), std::logic_error);
  }
  {
    auto s = spec("r.nan", ParamType::Real, std::nan(""));
    EXPECT_THROW(t.add(s), std::logic_error);
  }
  {
    auto s = spec("c.bad", ParamType::Choice, std::string("lifo"));
    s.choices = {"fifo", "random"};
    EXPECT_THROW(t.add(s), std::logic_error);
  }
  {
    auto s = spec("s.order", ParamType::Series, step({2020, 2010}, {1, 2}));
    EXPECT_THROW(t.add(s), std::logic_error);
  }
  {
    auto s = spec("s.dup", ParamType::Series, step({2020, 2020}, {1, 2}));
    EXPECT_THROW(t.add(s), std::logic_error);
  }
  {
    auto s = spec("s.range", ParamType::Series, step({1900}, {1}));
    s.key_min = 1980;
    EXPECT_THROW(t.add(s), std::logic_error);
  }
  {
    auto s = spec("s.value", ParamType::Series, step({2000}, {-1}));
    s.min = 0;
    EXPECT_THROW(t.add(s), std::logic_error);
  }
  {
    auto s = spec("s.empty", ParamType::Series, Series{});
    EXPECT_THROW(t.add(s), std::logic_error);
  }
  EXPECT_EQ(t.all().size(), 1u);
  ASSERT_NE(t.find("a.b"), nullptr);
  EXPECT_EQ(t.find("a.b")->path, "a.b");
  EXPECT_EQ(t.find("a"), nullptr);
  EXPECT_EQ(t.find("a.c"), nullptr);
}

TEST(ParamTable, SeriesDefaultTakesSpecInterpolation) {
  ParamTable t;
  auto s = spec("s.lin", ParamType::Series, step({0, 10}, {0, 1}));
  s.interp = Series::Interp::Linear;
  t.add(s);
  EXPECT_EQ(std::get<Series>(t.find("s.lin")->default_value).interp, Series::Interp::Linear);
}

TEST(ParamTable, TypeNames) {
  EXPECT_EQ(to_string(ParamType::Real), "real");
  EXPECT_EQ(to_string(ParamType::Series), "series");
  EXPECT_EQ(describe_expected(*table().find("overdose.fatality")),
            "a number between 0 and 1 (probability)");
  EXPECT_EQ(describe_expected(*table().find("capacity.queue")), "one of: fifo, random, risk");
  EXPECT_EQ(describe_expected(*table().find("run.start_year")),
            "a whole number between 1980 and 2100 (calendar year)");
}

// ---------------------------------------------------------------------------------
// Loading valid files

TEST(LoadScenario, DefaultsOnly) {
  const Scenario s = Scenario::defaults(table());
  EXPECT_EQ(s.settings().size(), table().all().size());
  EXPECT_EQ(s.real("overdose.fatality"), 0.05);
  EXPECT_EQ(s.integer("run.start_year"), 2000);
  EXPECT_EQ(s.text("capacity.queue"), "fifo");
  EXPECT_EQ(s.setting("overdose.fatality").origin.describe(), "default");
}

TEST(LoadScenario, BaseFile) {
  const Scenario s = load_scenario(data("valid/base.yaml"), table());
  EXPECT_EQ(s.text("scenario.name"), "Base case");
  EXPECT_EQ(s.integer("run.start_year"), 1993);
  EXPECT_EQ(s.integer("run.seed"), 42);
  EXPECT_EQ(s.real("overdose.rate"), 0.012);
  EXPECT_EQ(s.text("capacity.queue"), "random");
  EXPECT_EQ(s.series("naloxone.kits_per_year"), step({2015, 2020}, {1000, 20000}));
  EXPECT_EQ(s.integer("capacity.beds"), 100);  // default
  const auto& o = s.setting("run.seed").origin;
  EXPECT_EQ(o.file, data("valid/base.yaml").string());
  EXPECT_EQ(o.line, 7);
  EXPECT_EQ(s.setting("capacity.beds").origin.describe(), "default");
  ASSERT_EQ(s.files().size(), 1u);
}

TEST(LoadScenario, ExtendsChainAppliesBaseFirst) {
  const Scenario s = load_scenario(data("valid/sub/grandchild.yaml"), table());
  ASSERT_EQ(s.files().size(), 3u);
  EXPECT_EQ(s.files()[0], data("valid/base.yaml").lexically_normal());
  EXPECT_EQ(s.files()[1], data("valid/child.yaml").lexically_normal());
  EXPECT_EQ(s.files()[2], data("valid/sub/grandchild.yaml"));
  EXPECT_EQ(s.text("scenario.name"), "Grandchild: more beds");  // leaf
  EXPECT_EQ(s.integer("capacity.beds"), 250);                   // leaf
  EXPECT_TRUE(s.boolean("output.weekly"));                       // leaf
  EXPECT_EQ(s.real("overdose.fatality"), 0.04);                  // child
  EXPECT_EQ(s.real("overdose.rate"), 0.012);                     // base
  EXPECT_EQ(s.integer("run.start_year"), 1993);                  // base
  EXPECT_EQ(s.integer("run.end_year"), 2040);                    // base
  EXPECT_EQ(s.text("capacity.queue"), "random");                 // base
  // The child's series replaces the base's whole; a date key is a decimal year.
  const Series& k = s.series("naloxone.kits_per_year");
  ASSERT_EQ(k.keys.size(), 2u);
  EXPECT_EQ(k.keys[0], 2015);
  EXPECT_DOUBLE_EQ(k.keys[1], 2026.0 + 90.0 / 365.0);
  EXPECT_EQ(k.at(2026.0), 1000);
  EXPECT_EQ(k.at(2026.5), 50000);

  EXPECT_EQ(s.setting("overdose.fatality").origin.describe(),
            data_str("valid/child.yaml") + ":4");
  EXPECT_EQ(s.setting("overdose.rate").origin.describe(), data_str("valid/base.yaml") + ":9");
  EXPECT_EQ(s.setting("capacity.beds").origin.describe(),
            data("valid/sub/grandchild.yaml").string() + ":6");
  EXPECT_EQ(s.setting("run.seed").origin.file, data_str("valid/base.yaml"));
}

TEST(LoadScenario, SeriesForms) {
  const Scenario s = load_scenario(data("valid/series_forms.yaml"), table());
  // A plain number is a constant from the key's lower bound.
  EXPECT_EQ(s.series("naloxone.kits_per_year"), step({1980}, {4000}));
  const Series& r = s.series("treatment.retention_by_age");
  EXPECT_EQ(r.interp, Series::Interp::Linear);
  EXPECT_EQ(r.keys, (std::vector<double>{18, 45.5, 80}));
  EXPECT_DOUBLE_EQ(r.at(62.75), 0.75);
}

TEST(LoadScenario, CommentsOnlyAndEmptyGroup) {
  const Scenario a = load_scenario(data("valid/comments_only.yaml"), table());
  EXPECT_EQ(a.hash(), Scenario::defaults(table()).hash());
  const Scenario b = load_scenario(data("valid/empty_group.yaml"), table());
  EXPECT_EQ(b.integer("run.seed"), 3);
  EXPECT_EQ(b.real("overdose.fatality"), 0.05);
}

TEST(LoadScenario, AccessorsRejectProgrammingErrors) {
  Scenario s = Scenario::defaults(table());
  EXPECT_THROW(s.real("overdose.fatalty"), std::logic_error);
  EXPECT_THROW(s.integer("overdose.fatality"), std::logic_error);
  EXPECT_THROW(s.boolean("run.seed"), std::logic_error);
  EXPECT_THROW(s.text("run.seed"), std::logic_error);
  EXPECT_THROW(s.series("run.seed"), std::logic_error);
  EXPECT_THROW(s.set("no.such", 1.0, {}), std::logic_error);
  EXPECT_THROW(s.set("run.seed", 1.0, {}), std::logic_error);
  s.set("run.seed", std::int64_t{9}, Origin{"cli", 0});
  EXPECT_EQ(s.integer("run.seed"), 9);
  EXPECT_EQ(s.setting("run.seed").origin.describe(), "cli");
}

TEST(LoadScenario, NumberSpellingsAndLineEndings) {
  const fs::path p = temp_file("spellings.yaml",
                               "\xEF\xBB\xBFoverdose:\r\n  rate: +.5\r\n  fatality: 1e-3\r\n"
                               "run:\r\n  seed: 2.5e1\r\n  start_year: \"2001\"\r\n"
                               "naloxone:\r\n  kits_per_year: {2020: 1_000}\r\n");
  const auto errors = load_errors(p);
  ASSERT_EQ(errors.size(), 1u) << all_formatted(errors);
  EXPECT_EQ(errors[0].line, 8);
  EXPECT_EQ(errors[0].yaml_path, "naloxone.kits_per_year[2020]");
  EXPECT_EQ(errors[0].suggestion, "write numbers without separators, e.g. 1000");

  const Scenario s = load_scenario(
      temp_file("spellings_ok.yaml",
                "overdose:\r\n  rate: +.5\r\n  fatality: 1e-3\r\nrun:\r\n  seed: 2.5e1\r\n"
                "  start_year: \"2001\"\r\n"),
      table());
  EXPECT_EQ(s.real("overdose.rate"), 0.5);
  EXPECT_EQ(s.real("overdose.fatality"), 0.001);
  EXPECT_EQ(s.integer("run.seed"), 25);
  EXPECT_EQ(s.integer("run.start_year"), 2001);
  EXPECT_EQ(s.setting("run.start_year").origin.line, 6);
}

TEST(LoadScenario, ExtendsAbsolutePathAndSelf) {
  const fs::path base = fs::absolute(data("valid/base.yaml"));
  const fs::path leaf = temp_file("absolute.yaml", "extends: " + base.string() + "\nrun:\n  seed: 5\n");
  const Scenario s = load_scenario(leaf, table());
  EXPECT_EQ(s.integer("run.seed"), 5);
  EXPECT_EQ(s.integer("run.start_year"), 1993);

  const fs::path self = temp_file("self.yaml", "run:\n  seed: 5\nextends: self.yaml\n");
  const auto errors = load_errors(self);
  ASSERT_EQ(errors.size(), 1u) << all_formatted(errors);
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_EQ(errors[0].format(), self.string() + ":3: extends: the files extend each other in a "
                                                "cycle: " + self.string() + " -> " +
                                    self.string() +
                                    "; a scenario cannot extend itself, directly or through "
                                    "other files");
}

TEST(LoadScenario, OtherMistakes) {
  {  // two YAML documents
    const auto errors = load_errors(temp_file("two_docs.yaml", "run:\n  seed: 1\n---\nrun:\n  seed: 2\n"));
    ASSERT_EQ(errors.size(), 1u) << all_formatted(errors);
    EXPECT_NE(errors[0].format().find("the file holds 2 YAML documents"), std::string::npos);
  }
  {  // an empty extends, a huge whole number, a map for text, an empty series
    const auto errors = load_errors(temp_file(
        "misc.yaml",
        "extends:\nrun:\n  seed: 99999999999999999999\nscenario:\n  name: {a: 1}\n"
        "naloxone:\n  kits_per_year: {}\n"));
    ASSERT_EQ(errors.size(), 4u) << all_formatted(errors);
    EXPECT_EQ(errors[0].yaml_path, "extends");
    EXPECT_EQ(errors[0].line, 1);
    EXPECT_EQ(errors[1].yaml_path, "run.seed");
    EXPECT_EQ(errors[1].suggestion, "the number is too large");
    EXPECT_EQ(errors[2].yaml_path, "scenario.name");
    EXPECT_EQ(errors[2].expected, "text");
    EXPECT_EQ(errors[3].yaml_path, "naloxone.kits_per_year");
    EXPECT_EQ(errors[3].value, "{}");
  }
  {  // nothing close to the unknown key: the valid keys at that level are listed
    const auto errors = load_errors(temp_file("far.yaml", "overdose:\n  xyzzy: 1\n"));
    ASSERT_EQ(errors.size(), 1u) << all_formatted(errors);
    EXPECT_EQ(errors[0].format(), errors[0].file + ":2: overdose.xyzzy: unknown setting 'xyzzy'; "
                                                   "valid settings here: rate, fatality");
  }
  {  // a series entry with no value and a key that is not a number
    const auto errors = load_errors(temp_file(
        "series_misc.yaml", "naloxone:\n  kits_per_year:\n    2020:\n    01/04/2026: 3\n"));
    ASSERT_EQ(errors.size(), 2u) << all_formatted(errors);
    EXPECT_EQ(errors[0].yaml_path, "naloxone.kits_per_year[2020]");
    EXPECT_EQ(errors[0].line, 3);
    EXPECT_EQ(errors[1].yaml_path, "naloxone.kits_per_year[01/04/2026]");
    EXPECT_EQ(errors[1].suggestion, "write dates as YYYY-MM-DD, e.g. 2026-04-01");
  }
}

// ---------------------------------------------------------------------------------
// Merged YAML, hash

TEST(MergedYaml, NamesOriginsAndRoundTrips) {
  const Scenario s = load_scenario(data("valid/sub/grandchild.yaml"), table());
  const std::string y = s.merged_yaml();
  EXPECT_NE(y.find("  fatality: 0.04  # from " + data_str("valid/child.yaml") + ":4\n"),
            std::string::npos)
      << y;
  EXPECT_NE(y.find("  beds: 250  # from " + data("valid/sub/grandchild.yaml").string() + ":6\n"),
            std::string::npos)
      << y;
  EXPECT_NE(y.find("  retention_by_age: {18: 0.5, 65: 0.8}  # default\n"), std::string::npos) << y;
  EXPECT_NE(y.find("  name: \"Grandchild: more beds\""), std::string::npos) << y;
  // Declaration order: scenario, run, overdose, naloxone, ...
  EXPECT_LT(y.find("scenario:\n"), y.find("run:\n"));
  EXPECT_LT(y.find("run:\n"), y.find("overdose:\n"));
  EXPECT_LT(y.find("overdose:\n"), y.find("naloxone:\n"));

  const fs::path again = temp_file("merged.yaml", y);
  const Scenario t = load_scenario(again, table());
  for (const auto& [path, setting] : s.settings()) {
    EXPECT_EQ(t.setting(path).value, setting.value) << path;
  }
  EXPECT_EQ(t.hash(), s.hash());
}

TEST(MergedYaml, TextWithQuotesAndNewlinesRoundTrips) {
  Scenario s = Scenario::defaults(table());
  s.set("scenario.name", std::string("He said \"yes\": 50% \\ done\n# not a comment\ttab"), {});
  s.set("overdose.fatality", 0.1 + 0.2, {});
  s.set("naloxone.kits_per_year", step({decimal_year(2026, 4, 1)}, {1.0 / 3.0}), {});
  const Scenario t = load_scenario(temp_file("quoted.yaml", s.merged_yaml()), table());
  EXPECT_EQ(t.text("scenario.name"), s.text("scenario.name"));
  EXPECT_EQ(t.real("overdose.fatality"), 0.1 + 0.2);
  EXPECT_EQ(t.series("naloxone.kits_per_year"), s.series("naloxone.kits_per_year"));
  EXPECT_EQ(t.hash(), s.hash());
}

TEST(Hash, DependsOnValuesNotOrigins) {
  Scenario a = Scenario::defaults(table());
  Scenario b = Scenario::defaults(table());
  EXPECT_EQ(a.hash().size(), 40u);
  EXPECT_EQ(a.hash(), b.hash());
  b.set("overdose.fatality", 0.05, Origin{"somewhere.yaml", 3});  // same value
  EXPECT_EQ(a.hash(), b.hash());
  b.set("overdose.fatality", 0.05000000000000001, {});
  EXPECT_NE(a.hash(), b.hash());
  Scenario c = Scenario::defaults(table());
  Series lin = std::get<Series>(table().find("naloxone.kits_per_year")->default_value);
  lin.interp = Series::Interp::Linear;
  c.set("naloxone.kits_per_year", lin, {});
  EXPECT_NE(a.hash(), c.hash());
  const Scenario d = load_scenario(data("valid/base.yaml"), table());
  EXPECT_NE(a.hash(), d.hash());
  EXPECT_EQ(d.hash(), load_scenario(data("valid/base.yaml"), table()).hash());
}

// ---------------------------------------------------------------------------------
// Malformed files: one mistake each

TEST(Malformed, TypoInKey) {
  expect_one_error("malformed/typo_key.yaml", 4, "overdose.fatalty",
                   ": overdose.fatalty: unknown setting 'fatalty'; did you mean "
                   "'overdose.fatality'?");
}

TEST(Malformed, ValueOutOfRange) {
  expect_one_error("malformed/out_of_range.yaml", 3, "overdose.fatality",
                   "got '1.5'; expected a number between 0 and 1 (probability)");
}

TEST(Malformed, YesForBoolean) {
  expect_one_error("malformed/yes_for_boolean.yaml", 3, "output.weekly",
                   "got 'yes'; expected true or false; write true instead of 'yes'");
}

TEST(Malformed, CapitalisedBoolean) {
  expect_one_error("malformed/capitalised_boolean.yaml", 3, "output.weekly",
                   "got 'True'; expected true or false; write it in lower case: true");
}

TEST(Malformed, TextForNumber) {
  expect_one_error("malformed/text_for_number.yaml", 3, "overdose.rate",
                   "got 'high'; expected a number of at least 0 (per person-year)");
}

TEST(Malformed, ImpossibleDate) {
  expect_one_error("malformed/bad_date.yaml", 3, "naloxone.kits_per_year[2026-02-30]",
                   "got '2026-02-30'; expected a real date written YYYY-MM-DD; that month has "
                   "no day 30");
}

TEST(Malformed, DecreasingSeriesKeys) {
  expect_one_error("malformed/decreasing_series_keys.yaml", 5, "naloxone.kits_per_year",
                   "key '2020' comes after key '2026'; expected keys in increasing order");
}

TEST(Malformed, ExtendsMissingFile) {
  expect_one_error("malformed/extends_missing.yaml", 2, "extends",
                   "extends: base scenario '" + data_str("valid/baseline_typo.yaml") +
                       "' does not exist");
}

TEST(Malformed, ExtendsCycle) {
  const std::string a = data("malformed/cycle_a.yaml").string();
  const std::string b = data_str("malformed/cycle_b.yaml");
  expect_one_error("malformed/cycle_a.yaml", 4, "extends",
                   "the files extend each other in a cycle: " + a + " -> " + b + " -> " + a, b);
}

TEST(Malformed, IndentationError) {
  expect_one_error("malformed/bad_indentation.yaml", 4, "",
                   "YAML syntax error: illegal map value; check the indentation");
}

TEST(Malformed, TabIndentation) {
  expect_one_error("malformed/tab_indentation.yaml", 3, "",
                   "YAML does not allow tabs for indentation: replace the tab on line 3");
}

TEST(Malformed, UnclosedBrace) {
  // yaml-cpp notices on the line after the unclosed '{'.
  expect_one_error("malformed/unclosed_brace.yaml", 4, "",
                   "YAML syntax error: end of map flow not found; a '[' or '{' is not closed");
}

TEST(Malformed, DuplicateKey) {
  expect_one_error("malformed/duplicate_key.yaml", 5, "overdose.fatality",
                   "'fatality' is set twice; expected each setting once in a group; delete one "
                   "of them (first at line 3)");
}

TEST(Malformed, UnknownTopLevelSection) {
  expect_one_error("malformed/unknown_section.yaml", 2, "naloxon",
                   "unknown section 'naloxon'; did you mean 'naloxone'?");
}

TEST(Malformed, MapWhereNumberExpected) {
  expect_one_error("malformed/map_for_number.yaml", 3, "overdose.fatality",
                   "got '{men: 0.06, women: 0.04}'; expected a number between 0 and 1 "
                   "(probability); 'overdose.fatality' is a single setting, not a group");
}

TEST(Malformed, NumberWhereGroupExpected) {
  expect_one_error("malformed/number_for_group.yaml", 2, "overdose",
                   "got '0.05'; expected a group of settings: rate, fatality");
}

TEST(Malformed, MissingSpaceAfterColon) {
  expect_one_error("malformed/missing_space.yaml", 3, "overdose",
                   "put a space after the ':' in 'fatality:0.1'");
}

TEST(Malformed, BadChoiceWord) {
  expect_one_error("malformed/bad_choice.yaml", 3, "capacity.queue",
                   "got 'riks'; expected one of: fifo, random, risk; did you mean 'risk'?");
}

TEST(Malformed, EmptyValue) {
  expect_one_error("malformed/empty_value.yaml", 4, "run.end_year",
                   "run.end_year: got an empty value; expected a whole number between 1980 and "
                   "2100 (calendar year); give a value, or delete the line to keep the default "
                   "(2040)");
}

TEST(Malformed, NegativeCount) {
  expect_one_error("malformed/negative_count.yaml", 3, "capacity.beds",
                   "got '-5'; expected a whole number of at least 0 (people); it cannot be "
                   "negative");
}

TEST(Malformed, PercentSign) {
  expect_one_error("malformed/percent_sign.yaml", 3, "overdose.fatality",
                   "got '5%'; expected a number between 0 and 1 (probability); write 5% as 0.05");
}

TEST(Malformed, ListWhereNumberExpected) {
  expect_one_error("malformed/list_for_number.yaml", 3, "overdose.rate",
                   "got '[0.01, 0.02]'; expected a number of at least 0 (per person-year); a "
                   "list is not allowed here");
}

TEST(Malformed, FractionalYear) {
  expect_one_error("malformed/fractional_year.yaml", 3, "run.start_year",
                   "got '2020.5'; expected a whole number between 1980 and 2100 (calendar "
                   "year); use a whole number");
}

TEST(Malformed, SeriesYearOutOfRange) {
  expect_one_error("malformed/series_year_out_of_range.yaml", 4, "naloxone.kits_per_year[1850]",
                   "got '1850'; expected a calendar year between 1980 and 2100 or a date such "
                   "as 2026-04-01");
}

TEST(Malformed, SeriesNegativeValue) {
  expect_one_error("malformed/series_negative_value.yaml", 3, "naloxone.kits_per_year[2024]",
                   "got '-200'; expected a number of at least 0 (kits per year)");
}

TEST(Malformed, DateKeyForAgeSeries) {
  expect_one_error("malformed/date_for_age.yaml", 3, "treatment.retention_by_age[2026-04-01]",
                   "got '2026-04-01'; expected an age between 0 and 110; dates are not keys "
                   "here");
}

TEST(Malformed, TopLevelList) {
  expect_one_error("malformed/top_level_list.yaml", 2, "",
                   "got '[overdose, run]'; expected a map of settings");
}

TEST(Malformed, ExtendsList) {
  expect_one_error("malformed/extends_list.yaml", 2, "extends",
                   "extends: got '[a.yaml, b.yaml]'; expected the path of a base scenario file");
}

TEST(Malformed, DottedKey) {
  expect_one_error("malformed/dotted_key.yaml", 2, "overdose.fatality",
                   "unknown setting 'overdose.fatality'; write it nested: 'overdose:' and, "
                   "indented on the next line, 'fatality: ...'");
}

TEST(Malformed, KeyOutsideItsSection) {
  expect_one_error("malformed/misplaced_key.yaml", 2, "fatality",
                   "unknown setting 'fatality'; did you mean 'overdose.fatality'?");
}

TEST(Malformed, LeafFileMissing) {
  const std::string path = data("malformed/no_such_file.yaml").string();
  expect_one_error("malformed/no_such_file.yaml", 0, "",
                   path + ": cannot read scenario file: it does not exist");
}

TEST(Malformed, ErrorsInBaseAndLeafAreAllReported) {
  const auto errors = load_errors(data("malformed/leaf_over_bad_base.yaml"));
  ASSERT_EQ(errors.size(), 2u) << all_formatted(errors);
  EXPECT_EQ(errors[0].file, data_str("malformed/bad_base.yaml"));  // base first
  EXPECT_EQ(errors[0].line, 3);
  EXPECT_EQ(errors[0].yaml_path, "output.weekly");
  EXPECT_EQ(errors[0].value, "maybe");
  EXPECT_EQ(errors[1].file, data("malformed/leaf_over_bad_base.yaml").string());
  EXPECT_EQ(errors[1].line, 6);
  EXPECT_EQ(errors[1].yaml_path, "overdose.rate");
  EXPECT_EQ(errors[1].value, "-1");
}

TEST(Malformed, SeveralErrorsInOneFileAreAllReported) {
  const fs::path path = data("malformed/several_errors.yaml");
  try {
    load_scenario(path, table());
    FAIL() << "no error";
  } catch (const ScenarioErrors& e) {
    const auto& errors = e.errors();
    ASSERT_EQ(errors.size(), 4u) << e.what();
    const std::string f = path.string();
    EXPECT_EQ(errors[0].format(),
              f + ":3: run.start_year: got '1850'; expected a whole number between 1980 and "
                  "2100 (calendar year)");
    EXPECT_EQ(errors[1].format(),
              f + ":4: run.seed: got 'abc'; expected a whole number");
    EXPECT_EQ(errors[2].format(),
              f + ":6: overdose.fatalty: unknown setting 'fatalty'; did you mean "
                  "'overdose.fatality'?");
    EXPECT_EQ(errors[3].format(),
              f + ":8: capacity.queue: got 'lifo'; expected one of: fifo, random, risk; did "
                  "you mean 'fifo'?");
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("4 errors in scenario " + f + ":\n", 0), 0u) << what;
    std::string last_line = "\n";
    last_line += errors[3].format();
    EXPECT_NE(what.find(last_line), std::string::npos);
  }
}

TEST(Malformed, AtLeastSixteenDistinctFiles) {
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(data("malformed"))) {
    if (entry.path().extension() == ".yaml") ++n;
  }
  EXPECT_GE(n, 16u);
}

TEST(ScenarioError, FormatVariants) {
  ScenarioError e{"x.yaml", 7, "run.end_year", "1850", "a whole number", "", ""};
  EXPECT_EQ(e.format(), "x.yaml:7: run.end_year: got '1850'; expected a whole number");
  e.line = 0;
  e.suggestion = "try 2000";
  EXPECT_EQ(e.format(), "x.yaml: run.end_year: got '1850'; expected a whole number; try 2000");
  ScenarioErrors one({e});
  EXPECT_EQ(std::string(one.what()), "1 error in scenario x.yaml:\n" + e.format());
}

// ---------------------------------------------------------------------------------
// Schema, listing, defaults file

TEST(Schema, DescribesEveryParameter) {
  const auto j = nlohmann::json::parse(json_schema(table()));
  EXPECT_EQ(j["$schema"], "https://json-schema.org/draft/2020-12/schema");
  EXPECT_EQ(j["additionalProperties"], false);
  EXPECT_EQ(j["properties"]["extends"]["type"], "string");
  const auto& od = j["properties"]["overdose"];
  EXPECT_EQ(od["type"], "object");
  EXPECT_EQ(od["additionalProperties"], false);
  const auto& fat = od["properties"]["fatality"];
  // A number, or an object giving a distribution (docs/uncertainty.md).
  EXPECT_EQ(fat["type"], nlohmann::json::array({"number", "object"}));
  EXPECT_EQ(fat["$ref"], "#/$defs/distribution");
  EXPECT_EQ(j["$defs"]["distribution"]["required"], nlohmann::json::array({"distribution", "source"}));
  EXPECT_EQ(fat["minimum"], 0);
  EXPECT_EQ(fat["maximum"], 1);
  EXPECT_EQ(fat["default"], 0.05);
  const std::string desc = fat["description"];
  EXPECT_NE(desc.find("probability"), std::string::npos);
  EXPECT_NE(desc.find("evidence:od_fatality"), std::string::npos);
  EXPECT_EQ(j["properties"]["run"]["properties"]["seed"]["type"], "integer");
  EXPECT_EQ(j["properties"]["output"]["properties"]["weekly"]["type"], "boolean");
  EXPECT_EQ(j["properties"]["capacity"]["properties"]["queue"]["enum"],
            nlohmann::json::array({"fifo", "random", "risk"}));
  const auto& kits = j["properties"]["naloxone"]["properties"]["kits_per_year"];
  ASSERT_TRUE(kits.contains("oneOf"));
  EXPECT_EQ(kits["oneOf"][0]["type"], "number");
  EXPECT_EQ(kits["oneOf"][1]["type"], "object");
  EXPECT_EQ(kits["oneOf"][1]["patternProperties"].size(), 2u);  // numbers and dates
  EXPECT_EQ(kits["default"]["2000"], 0);
  const auto& ret = j["properties"]["treatment"]["properties"]["retention_by_age"];
  EXPECT_EQ(ret["oneOf"][1]["patternProperties"].size(), 1u);  // ages: numbers only
}

TEST(Listing, PlainAndMarkdown) {
  const std::string plain = params_listing(table(), nullptr, false);
  EXPECT_NE(plain.find("overdose.fatality\n  type: real   unit: probability   range: 0..1\n"
                       "  default: 0.05\n"),
            std::string::npos)
      << plain;
  EXPECT_NE(plain.find("source: PHE naloxone survey"), std::string::npos);

  const Scenario s = load_scenario(data("valid/base.yaml"), table());
  const std::string with_values = params_listing(table(), &s, false);
  EXPECT_NE(with_values.find("value: 42   (" + data("valid/base.yaml").string() + ":7)"),
            std::string::npos)
      << with_values;

  const std::string md = params_listing(table(), nullptr, true);
  EXPECT_EQ(md.rfind("| Parameter | Type | Unit | Range | Default | Description | Source |\n", 0),
            0u);
  EXPECT_NE(md.find("| `overdose.fatality` | real | probability | 0..1 | `0.05` | Probability "
                    "that an overdose is fatal. | evidence:od_fatality \\| ONS 2023 |"),
            std::string::npos)
      << md;
  const std::string md_values = params_listing(table(), &s, true);
  EXPECT_NE(md_values.find("| Value | From |"), std::string::npos);
}

TEST(DefaultsYaml, CommentedAndLoadsBackToDefaults) {
  const std::string y = defaults_yaml(table());
  EXPECT_NE(y.find("overdose:\n  # Overdoses per person-year among people who use opioids. "
                   "[per person-year, >= 0]\n  # source: evidence:od_rate\n  rate: 0.01\n"),
            std::string::npos)
      << y;
  EXPECT_NE(y.find("  # Probability of staying in treatment for a year,\n  # by age."),
            std::string::npos)
      << y;
  const Scenario s = load_scenario(temp_file("defaults.yaml", y), table());
  EXPECT_EQ(s.hash(), Scenario::defaults(table()).hash());
}
