// Unit tests of the report's building blocks: rounding for readers, escaping, reading
// the merged scenario YAML stored in results files, and the list of changed settings.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "report/charts.hpp"
#include "report/forecast.hpp"
#include "report/html.hpp"
#include "report/report.hpp"
#include "report/sections.hpp"
#include "report/settings.hpp"

using namespace averted::report;

TEST(ReportHtml, RoundsForReaders) {
  EXPECT_EQ(rounded(1234.5, Style::Count), "1,235");
  EXPECT_EQ(rounded(-32.4, Style::Count), "-32");
  EXPECT_EQ(rounded(1826123.0, Style::Count), "1,826,123");
  EXPECT_EQ(rounded(0.4, Style::Count), "0");
  EXPECT_EQ(rounded(2.7e6, Style::Money), "£2.7m");
  EXPECT_EQ(rounded(143.2e6, Style::Money), "£143m");
  EXPECT_EQ(rounded(10957, Style::Money), "£11,000");
  EXPECT_EQ(rounded(-9817, Style::Money), "-£9,800");
  EXPECT_EQ(rounded(999999, Style::Money), "£1.0m");  // a million once rounded: never "£1,000,000"
  EXPECT_EQ(rounded(949999, Style::Money), "£950,000");
  EXPECT_EQ(rounded(5.0 / 6.0, Style::Percent), "83.3%");
  EXPECT_EQ(rounded(12.345, Style::Value), "12.3");
  EXPECT_EQ(rounded(0.012345, Style::Value), "0.0123");
  EXPECT_EQ(rounded(1234.4, Style::Value), "1,234");
  EXPECT_EQ(rounded(20260401, Style::Plain), "20260401");
  EXPECT_EQ(rounded(std::nan(""), Style::Count), "-");
}

TEST(ReportHtml, NumbersCarryTheirExactValueAndSource) {
  EXPECT_EQ(number(263.25, Style::Count, "summary/deaths_averted/1/5/mean"),
            "<data value=\"263.25\" data-src=\"summary/deaths_averted/1/5/mean\" class=\"num\">263</data>");
  EXPECT_EQ(number(std::nan(""), Style::Count, "x"), "-");
}

TEST(ReportHtml, EscapesMarkup) {
  EXPECT_EQ(escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(escape("a & \"b\" 'c'"), "a &amp; &quot;b&quot; &#39;c&#39;");
  EXPECT_EQ(escape("£ naïve"), "£ naïve");  // UTF-8 passes through
}

TEST(ReportSettings, ReadsMergedYaml) {
  const std::string yaml =
      "# Merged scenario: x.yaml\n# hash: abc\nscenario:\n  name: \"A \\\"quoted\\\" name\"  # from x.yaml:3\n"
      "overdose:\n  fatality: 0.067  # default\n  group:\n    deep: {2020: 0.5}  # from x.yaml:9\nrun:\n  seed: 7  # from b.yaml:2\n";
  const auto s = settings_of(yaml);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s.at("overdose.fatality").value, "0.067");
  EXPECT_EQ(s.at("overdose.fatality").origin, "");
  EXPECT_EQ(s.at("overdose.group.deep").value, "{2020: 0.5}");
  EXPECT_EQ(s.at("overdose.group.deep").origin, "x.yaml:9");
  EXPECT_EQ(s.at("run.seed").origin, "b.yaml:2");
  EXPECT_EQ(plain_text(s.at("scenario.name").value), "A \"quoted\" name");
  EXPECT_THROW(settings_of("a:\n   b: 1\n"), std::runtime_error);  // odd indentation
}

TEST(ReportSettings, ListsOnlyChangedSettingsWithDatesAndSources) {
  const std::string base =
      "scenario:\n  name: \"base\"  # from b.yaml:1\nlevers:\n  naloxone:\n    start: 2100  # default\n"
      "    supply_rr: 1  # default\n";
  const std::string lever =
      "scenario:\n  name: \"lever\"  # from l.yaml:1\nlevers:\n  naloxone:\n    start: 2026.2465753424658  # from l.yaml:4\n"
      "    supply_rr: 1  # default\n";
  const auto list = changes(base, lever);
  ASSERT_EQ(list.size(), 1u);  // the name is the scenario's label, not a setting; supply_rr is unchanged
  EXPECT_EQ(list[0].path, "levers.naloxone.start");
  EXPECT_EQ(list[0].before, "2100");
  EXPECT_EQ(list[0].after, "2026-04-01");  // 1 April 2026 as a decimal year
  EXPECT_EQ(list[0].origin_after, "l.yaml:4");
  EXPECT_EQ(list[0].unit, "calendar year");
  EXPECT_FALSE(list[0].description.empty());
  EXPECT_TRUE(changes(base, base).empty());
  const auto budget = changes("levers:\n  budget:\n    total_per_year: 0  # default\n",
                              "levers:\n  budget:\n    total_per_year: 2.4e+08  # from l.yaml:2\n");
  ASSERT_EQ(budget.size(), 1u);
  EXPECT_EQ(budget[0].after, "240,000,000");  // not 2.4e+08
}

// The local-area section: a value set in the area's file is its own; one set in a file
// extending it (a lever scenario for the area) is that scenario's choice; one from the
// base file (England's baseline) or the model's default is England's; run settings are
// none of these.
TEST(ReportLocalArea, SaysWhichValuesAreTheAreasOwn) {
  Forecast f;
  const std::string area =
      "# Merged scenario: local/a_kits.yaml\n# files, base first: england/baseline.yaml local/a.yaml local/a_kits.yaml\n"
      "# hash: abc\n"
      "scenario:\n  name: \"Area <b>one</b>\"  # from local/a.yaml:3\nrun:\n  seed: 7  # from england/baseline.yaml:2\n"
      "overdose:\n  fatality: 0.067  # from england/baseline.yaml:40\n  trend: 0.5  # default\n"
      "local_area:\n  name: \"Town & <i>sea</i>\"  # from local/a.yaml:6\n  opiate_crack_users: 2052  # from local/a.yaml:9\n"
      "levers:\n  naloxone:\n    supply_rr: 3  # from local/a_kits.yaml:12\n    kit_on_release: 0.5  # from local/a.yaml:11\n";
  f.scenarios.push_back({"Area <b>one</b>", "local/a.yaml", "abc", area});
  const std::string html = local_area_section(f);
  EXPECT_NE(html.find("<h2 id=\"local-area\">Local area: Town &amp; &lt;i&gt;sea&lt;/i&gt;</h2>"), std::string::npos);
  EXPECT_NE(html.find("The area's own values: 3 setting(s)"), std::string::npos) << html;  // name, users, kits
  EXPECT_NE(html.find("<code>local_area.opiate_crack_users</code>"), std::string::npos);
  EXPECT_NE(html.find("<code>local/a.yaml:9</code>"), std::string::npos);
  EXPECT_NE(html.find("England&#39;s defaults: the other 2 settings (from england/baseline.yaml"), std::string::npos);
  const std::size_t chosen = html.find("This scenario's choices, beyond the area's own file: 1 setting(s)");
  ASSERT_NE(chosen, std::string::npos) << html;
  EXPECT_LT(html.find("local_area.opiate_crack_users"), chosen);  // in the area's table
  EXPECT_LT(html.find("levers.naloxone.kit_on_release"), chosen);  // set in the area's own file
  EXPECT_LT(chosen, html.find("<code>levers.naloxone.supply_rr</code>"));
  EXPECT_LT(html.find("<code>levers.naloxone.supply_rr</code>"), html.find("<details>"));
  EXPECT_GT(html.find("overdose.fatality"), html.find("<details>"));              // among England's
  EXPECT_EQ(html.find("run.seed"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);  // escaped
  // England: local_area.name left empty, so nothing is shown.
  Forecast england;
  england.scenarios.push_back({"England", "england/baseline.yaml", "def",
                               "scenario:\n  name: \"England\"  # from england/baseline.yaml:3\n"
                               "local_area:\n  name: \"\"  # default\n  opiate_crack_users: 313971  # default\n"});
  EXPECT_EQ(local_area_section(england), "");
}

// Printed in black and white, series are told apart by lightness alone: every shade
// must be lighter than the one before by a visible step (luma, 0-255, Rec. 601).
// The overdose period trend in words: nothing without one; with one, the years it covers,
// and that the forecast holds it after its last year (or carries it when it reaches the
// end of the horizon); when calibrated, the posterior and the observed rise it stands for.
TEST(ReportTrend, SaysWhatTheForecastAssumesAfterTheTrend) {
  const auto forecast = [](const std::string& trend, const std::string& end) {
    Forecast f;
    f.to = 2030;
    f.scenarios.push_back({"Baseline", "b.yaml", "h",
                           "# Merged scenario: b.yaml\noverdose:\n  period_trend: " + trend +
                               "  # from b.yaml:3\n  period_trend_start: 2012  # default\n  period_trend_end: " + end +
                               "  # default\n"});
    return f;
  };
  EXPECT_EQ(trend_assumption(forecast("1", "2023")), "");
  const std::string held = trend_assumption(forecast("1.06", "2023"));
  EXPECT_NE(held.find("from 2013 to 2023"), std::string::npos) << held;
  EXPECT_NE(held.find("x 1.06 a year"), std::string::npos) << held;
  EXPECT_NE(held.find("From 2024 on, overdose risk is held at its 2023 level"), std::string::npos) << held;
  const std::string carried = trend_assumption(forecast("1.06", "2030"));
  EXPECT_EQ(carried.find("held at"), std::string::npos) << carried;
  EXPECT_NE(carried.find("carries it forward"), std::string::npos) << carried;

  Forecast fitted = forecast("1", "2023");  // the posterior, not the file, sets the trend
  fitted.calibration = Calibration{{{"posterior", "england.posterior.csv"}}, {}, {}, {}, {}};
  Observed deaths;
  deaths.id = "drug_deaths";
  deaths.label = "Drug deaths";
  deaths.primary = true;
  deaths.years = {2011, 2012, 2023};
  deaths.value = {1600, 1492, 3353};
  fitted.observed.push_back(deaths);
  const std::string text = trend_assumption(fitted);
  EXPECT_NE(text.find("fitted to the observed deaths (posterior <code>england.posterior.csv</code>"), std::string::npos)
      << text;
  EXPECT_NE(text.find("data-src=\"observed/drug_deaths/value/1\""), std::string::npos) << text;  // 2012
  EXPECT_NE(text.find("data-src=\"observed/drug_deaths/value/2\""), std::string::npos) << text;  // 2023
  EXPECT_NE(text.find("in 2012"), std::string::npos) << text;
}

TEST(ReportCharts, ShadesSurviveGreyscalePrinting) {
  for (std::size_t n : {2u, 5u, 9u, 11u}) {
    double previous = -1;
    for (std::size_t k = 0; k < n; ++k) {
      const std::string c = shade(k, n);
      ASSERT_EQ(c.size(), 7u);
      const double r = std::stoi(c.substr(1, 2), nullptr, 16), g = std::stoi(c.substr(3, 2), nullptr, 16),
                   b = std::stoi(c.substr(5, 2), nullptr, 16);
      const double luma = 0.299 * r + 0.587 * g + 0.114 * b;
      if (k > 0) {
        EXPECT_GE(luma - previous, 15.0) << "shade " << k << " of " << n << " (" << c << ")";
      }
      previous = luma;
    }
  }
}
