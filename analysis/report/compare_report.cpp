// `averted report --compare a.h5 b.h5`: two forecasts side by side (two providers'
// bids, or this year's against last year's).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/attribution.hpp"
#include "report/charts.hpp"
#include "report/forecast.hpp"
#include "report/html.hpp"
#include "report/report.hpp"
#include "report/sections.hpp"
#include "report/settings.hpp"

namespace averted::report {
namespace {

std::size_t find_scenario(const Forecast& f, const std::string& name) {
  for (std::size_t s = 0; s < f.scenarios.size(); ++s) {
    if (f.scenarios[s].name == name) return s;
  }
  return f.scenarios.size();
}

// "A:" or "B:" prefixed source of a summary value, for the number checks.
std::string src(const char* which, const std::string& table, std::size_t s, std::size_t p, const std::string& stat) {
  return fmt::format("{}:summary/{}/{}/{}/{}", which, table, s, p, stat);
}

std::string averted_cell(const Forecast& f, const char* which, std::size_t s) {
  const Summary& av = f.summary("deaths_averted");
  const std::size_t P = f.horizon_period();
  return fmt::format("{} ({} to {})", number(av.at(s, P, "mean"), Style::Count, src(which, "deaths_averted", s, P, "mean")),
                     number(av.at(s, P, "lower_95"), Style::Count, src(which, "deaths_averted", s, P, "lower_95")),
                     number(av.at(s, P, "upper_95"), Style::Count, src(which, "deaths_averted", s, P, "upper_95")));
}

std::string ratio_cell(const Forecast& f, const char* which, std::size_t s) {
  if (!f.has_summary("cost_effectiveness")) return "not in this file";
  const std::size_t P = f.horizon_period();
  const double r = f.summary("cost_effectiveness").at(s, P, "cost_per_death_averted");
  if (std::isnan(r)) return "no deaths averted on average";
  return number(r, Style::Money, src(which, "cost_effectiveness", s, P, "cost_per_death_averted"));
}

std::string attribution_section(const Forecast& a, const std::vector<std::pair<std::size_t, std::size_t>>& matched,
                                const std::vector<Attribution>& attribution) {
  if (attribution.empty()) {
    return "<p>To see how much each differing setting moves the answer on its own, run "
           "<code>averted report --compare A.h5 B.h5 --attribute</code>: it reruns A once per setting.</p>\n";
  }
  std::string out = fmt::format(
      "<h3 id=\"attribution\">Each difference on its own</h3>\n<p>Forecast A was run again once per differing "
      "setting, with only that setting as in B (in the comparator and in each scenario), on A's runs ({} per "
      "scenario, the same chance events). The change in deaths averted over {} against A, with its 95% interval "
      "over the runs. These numbers come from those new runs, not from either file. Effects of several settings "
      "need not add up: settings can strengthen or weaken each other.</p>\n",
      a.draws * a.replicates, escape(a.horizon));
  out += "<table id=\"attribution-table\"><thead><tr><th>Scenario</th><th>Setting as in B</th><th class=\"n\">"
         "Change in deaths averted, mean (95% interval)</th></tr></thead><tbody>\n";
  for (std::size_t k = 0; k < matched.size(); ++k) {
    for (const auto& at : attribution) {
      out += fmt::format("<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{} ({} to {})</td></tr>\n",
                         escape(a.scenarios[matched[k].first].name), escape(at.path),
                         number(at.mean[k], Style::Count, fmt::format("rerun/{}/{}/mean", at.path, k)),
                         number(at.lower[k], Style::Count, fmt::format("rerun/{}/{}/lower_95", at.path, k)),
                         number(at.upper[k], Style::Count, fmt::format("rerun/{}/{}/upper_95", at.path, k)));
    }
  }
  return out + "</tbody></table>\n";
}

}  // namespace

std::vector<std::pair<std::size_t, std::size_t>> matched_scenarios(const Forecast& a, const Forecast& b) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t s = 1; s < a.scenarios.size(); ++s) {
    const std::size_t t = find_scenario(b, a.scenarios[s].name);
    if (t != 0 && t != b.scenarios.size()) out.emplace_back(s, t);
  }
  return out;
}

std::vector<std::string> differing_settings(const Forecast& a, const Forecast& b) {
  std::vector<std::string> out;
  auto add = [&](const std::vector<Change>& list) {
    for (const auto& c : list) {
      if (std::find(out.begin(), out.end(), c.path) == out.end()) out.push_back(c.path);
    }
  };
  add(changes(a.scenarios[0].merged_yaml, b.scenarios[0].merged_yaml));
  for (const auto& [s, t] : matched_scenarios(a, b)) add(changes(a.scenarios[s].merged_yaml, b.scenarios[t].merged_yaml));
  std::sort(out.begin(), out.end());
  return out;
}

std::string comparison_html(const Forecast& a, const Forecast& b, const std::vector<Attribution>& attribution) {
  const std::string an = escape(a.file.filename().string()), bn = escape(b.file.filename().string());
  std::string body = fmt::format(
      "<h1>Two forecasts compared</h1>\n<p class=\"lead\"><b>A</b>: <code>{}</code> ({} scenarios, {}, made {}).<br>"
      "<b>B</b>: <code>{}</code> ({} scenarios, {}, made {}).</p>\n",
      an, a.scenarios.size(), escape(a.horizon), escape(a.created_utc), bn, b.scenarios.size(), escape(b.horizon),
      escape(b.created_utc));
  body += "<p>Deaths averted are counted, in each forecast, against its own comparator (its first scenario), with "
          "95% intervals over its runs (95 in 100 simulated results fell inside). A difference between the two "
          "forecasts comes from their different assumptions, listed below, and from chance; differences smaller "
          "than the intervals' widths may be chance alone.</p>\n";
  if (a.horizon != b.horizon) {
    body += fmt::format("<p><b>Warning:</b> the forecasts cover different years (A: {}, B: {}), so their totals are "
                        "not directly comparable.</p>\n",
                        escape(a.horizon), escape(b.horizon));
  }

  // Headline side by side, scenarios matched by name.
  body += "<h2 id=\"headline\">Deaths averted side by side</h2>\n";
  const std::size_t Pa = a.horizon_period(), Pb = b.horizon_period();
  const Summary &da = a.summary("deaths"), &db = b.summary("deaths");
  body += fmt::format(
      "<p>Deaths in the comparator: A ({}) {} over {}; B ({}) {} over {}.</p>\n", escape(a.scenarios[0].name),
      number(da.at(0, Pa, "mean"), Style::Count, src("A", "deaths", 0, Pa, "mean")), escape(a.horizon),
      escape(b.scenarios[0].name), number(db.at(0, Pb, "mean"), Style::Count, src("B", "deaths", 0, Pb, "mean")),
      escape(b.horizon));
  body += "<table id=\"side-by-side\"><thead><tr><th>Scenario</th><th class=\"n\">A: deaths averted (95% interval)</th>"
          "<th class=\"n\">B: deaths averted (95% interval)</th><th class=\"n\">B minus A (means)</th>"
          "<th class=\"n\">A: cost per death averted</th><th class=\"n\">B: cost per death averted</th></tr></thead>"
          "<tbody>\n";
  const auto matched = matched_scenarios(a, b);
  std::vector<IntervalRow> rows;
  for (const auto& [s, t] : matched) {
    const double ma = a.summary("deaths_averted").at(s, Pa, "mean"), mb = b.summary("deaths_averted").at(t, Pb, "mean");
    body += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>"
                        "<td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                        escape(a.scenarios[s].name), averted_cell(a, "A", s), averted_cell(b, "B", t),
                        number(mb - ma, Style::Count,
                               src("B", "deaths_averted", t, Pb, "mean") + " - " + src("A", "deaths_averted", s, Pa, "mean")),
                        ratio_cell(a, "A", s), ratio_cell(b, "B", t));
    const Summary &sa = a.summary("deaths_averted"), &sb = b.summary("deaths_averted");
    rows.push_back({"A: " + a.scenarios[s].name, ma, sa.at(s, Pa, "lower_95"), sa.at(s, Pa, "upper_95")});
    rows.push_back({"B: " + b.scenarios[t].name, mb, sb.at(t, Pb, "lower_95"), sb.at(t, Pb, "upper_95")});
  }
  body += "</tbody></table>\n";
  if (!rows.empty()) {
    body += figure("chart-side-by-side", interval_chart("Deaths averted: A and B", rows, "deaths averted (dot: mean; bar: 95% interval)"), "");
  }
  std::string unmatched;
  for (std::size_t s = 1; s < a.scenarios.size(); ++s) {
    const std::size_t t = find_scenario(b, a.scenarios[s].name);
    if (t == 0 || t == b.scenarios.size()) unmatched += "<li>only in A: " + escape(a.scenarios[s].name) + "</li>";
  }
  for (std::size_t t = 1; t < b.scenarios.size(); ++t) {
    const std::size_t s = find_scenario(a, b.scenarios[t].name);
    if (s == 0 || s == a.scenarios.size()) unmatched += "<li>only in B: " + escape(b.scenarios[t].name) + "</li>";
  }
  if (!unmatched.empty()) body += "<p>Scenarios are matched by name. Not matched:</p><ul>" + unmatched + "</ul>\n";

  // Assumptions.
  body += "<h2 id=\"assumptions\">Where the assumptions differ</h2>\n<h3>The comparators</h3>\n";
  body += fmt::format("<p>A's <b>{}</b> against B's <b>{}</b>. A difference here changes every scenario's deaths and "
                      "its deaths averted.</p>\n",
                      escape(a.scenarios[0].name), escape(b.scenarios[0].name));
  const auto base_changes = changes(a.scenarios[0].merged_yaml, b.scenarios[0].merged_yaml);
  body += changes_table(base_changes, "A", "B");
  for (const auto& [s, t] : matched) {
    // What the scenario changes against its comparator, in each forecast: where those differ, the lever differs.
    const auto lever_a = changes(a.scenarios[0].merged_yaml, a.scenarios[s].merged_yaml);
    const auto lever_b = changes(b.scenarios[0].merged_yaml, b.scenarios[t].merged_yaml);
    std::vector<Change> differ;
    for (const auto& c : changes(a.scenarios[s].merged_yaml, b.scenarios[t].merged_yaml)) {
      bool explained = false;  // the same difference as between the comparators
      for (const auto& d : base_changes) explained |= d.path == c.path && d.before == c.before && d.after == c.after;
      if (!explained) differ.push_back(c);
    }
    body += fmt::format("<h3>{}</h3>\n<p>Settings of this scenario that differ between A and B beyond the comparators' "
                        "differences ({} in A and {} in B differ from their comparator):</p>\n",
                        escape(a.scenarios[s].name), lever_a.size(), lever_b.size());
    body += changes_table(differ, "A", "B");
  }
  body += "<h2 id=\"moves\">How much the differences move the answer</h2>\n<p>Deaths averted is the comparator's "
          "deaths minus the scenario's. So the change from A to B splits exactly into the change in the comparator's "
          "deaths and the change in the scenario's deaths (means over " +
          escape(a.horizon) + (a.horizon == b.horizon ? "" : " and " + escape(b.horizon)) +
          ").</p>\n";
  body += "<table id=\"moves-table\"><thead><tr><th>Scenario</th><th class=\"n\">Change in deaths averted (B - A)</th>"
          "<th class=\"n\">from the comparator's deaths</th><th class=\"n\">from the scenario's deaths</th></tr>"
          "</thead><tbody>\n";
  for (const auto& [s, t] : matched) {
    const double base = db.at(0, Pb, "mean") - da.at(0, Pa, "mean");
    const double scen = da.at(s, Pa, "mean") - db.at(t, Pb, "mean");
    const std::string base_src = src("B", "deaths", 0, Pb, "mean") + " - " + src("A", "deaths", 0, Pa, "mean");
    const std::string scen_src = src("A", "deaths", s, Pa, "mean") + " - " + src("B", "deaths", t, Pb, "mean");
    body += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                        escape(a.scenarios[s].name), number(base + scen, Style::Count, base_src + " + " + scen_src),
                        number(base, Style::Count, base_src), number(scen, Style::Count, scen_src));
  }
  body += "</tbody></table>\n";
  body += attribution_section(a, matched, attribution);
  body += provenance_section(a, "Provenance of A", "-a");
  body += provenance_section(b, "Provenance of B", "-b");
  return page("Two forecasts compared: " + a.file.filename().string() + " and " + b.file.filename().string(), body);
}

}  // namespace averted::report
