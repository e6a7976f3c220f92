#include "report/report.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/version.hpp"
#include "report/charts.hpp"
#include "report/forecast.hpp"
#include "report/html.hpp"
#include "report/sections.hpp"
#include "report/settings.hpp"

namespace averted::report {

std::string readable(const std::string& label) {
  static const std::map<std::string, std::string> names = {
      {"drug_poisoning", "Drug poisoning"},
      {"liver", "Liver disease"},
      {"copd_respiratory", "COPD and other respiratory"},
      {"suicide", "Suicide"},
      {"other", "Other causes"},
      {"under_20", "Under 20"},
      {"65_and_over", "65 and over"},
      {"not_in_contact", "Not in contact"},
      {"harm_reduction", "Harm reduction"},
      {"waiting", "Waiting for OST"},
      {"ost", "OST"},
      {"dose_reduction", "OST, reducing"},
      {"residential", "Residential rehab"},
      {"recovery", "Recovery"},
      {"prison", "Prison"},
      {"ceased", "Stopped using"},
  };
  if (const auto it = names.find(label); it != names.end()) return it->second;
  std::string s = label;
  std::replace(s.begin(), s.end(), '_', ' ');
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

namespace {

std::string src(const std::string& a, std::size_t s, std::size_t p, const std::string& stat) {
  return fmt::format("summary/{}/{}/{}/{}", a, s, p, stat);
}

// The interval "a to b" of a summary, as two checked numbers.
std::string interval(const Forecast& f, const std::string& table, std::size_t s, std::size_t p, Style style,
                     const char* lo = "lower_95", const char* hi = "upper_95") {
  const Summary& t = f.summary(table);
  const double a = t.at(s, p, lo), b = t.at(s, p, hi);
  if (std::isnan(a) || std::isnan(b)) return "not available";
  return number(a, style, src(table, s, p, lo)) + " to " + number(b, style, src(table, s, p, hi));
}

std::string how_to_read(const Forecast& f) {
  const std::string comparator = escape(f.scenarios.front().name);
  const std::uint32_t pairs = f.draws * f.replicates;
  std::string uncertainty =
      f.draws > 1
          ? fmt::format("Each scenario was simulated {} times: {} sets of values of the uncertain inputs (drawn from "
                        "the ranges given in the scenario files, with their sources), each with {} runs of chance. "
                        "The interval therefore covers both what we do not know about the inputs and chance.",
                        pairs, f.draws, f.replicates)
          : fmt::format("Each scenario was simulated {} times with the inputs at their central values. The interval "
                        "therefore shows chance alone (who overdoses, who is imprisoned, who leaves treatment), not "
                        "what we do not know about the inputs, and the true uncertainty is wider.",
                        pairs);
  return fmt::format(
      "<h2 id=\"how-to-read\">How to read this report</h2>\n"
      "<ul>\n"
      "<li><b>Deaths averted</b> compares each scenario with <b>{0}</b> (the comparator): it is the number of deaths "
      "in the comparator minus the number in the scenario, over {1}, among the people the model follows (people who "
      "use heroin in England), from all causes. A negative number means more deaths than in the comparator.</li>\n"
      "<li>Every scenario is run with the same people and the same chance events as the comparator, so differences "
      "come from the scenario's choices, not from luck. {2}</li>\n"
      "<li>A <b>95% interval</b> \"a to b\" means that 95 in 100 of these simulated results fell between a and b. "
      "With few runs ({3} here) its ends are approximate.</li>\n"
      "<li><b>Cost per death averted</b> is the extra cost of the scenario (services the model represents, "
      "discounted as set in the scenario files) divided by the deaths it averts, with an interval from resampling "
      "the runs. It is not shown when a scenario averts no deaths on average.</li>\n"
      "<li>Where the numbers come from: the Averted model of England's heroin-using population, with every input "
      "taken from the scenario files; each scenario's changes and their sources are listed under "
      "<a href=\"#changes\">What each scenario changes</a>, and every input of the model with its source in the "
      "model's parameter reference (docs/parameters.md). The results file named under "
      "<a href=\"#provenance\">Provenance</a> holds every number shown here.</li>\n"
      "</ul>\n",
      comparator, f.horizon, uncertainty, pairs);
}

std::string headline(const Forecast& f) {
  const Summary& av = f.summary("deaths_averted");
  const std::size_t P = f.horizon_period();
  const bool costs = f.has_summary("extra_cost") && f.has_summary("cost_effectiveness");
  const bool ly = f.has_summary("life_years_gained");
  std::string out = fmt::format("<h2 id=\"headline\">Deaths averted, {}</h2>\n", f.horizon);
  const Summary& deaths = f.summary("deaths");
  out += fmt::format(
      "<p class=\"lead\">In the comparator, <b>{}</b>, the model forecasts {} deaths over {} (95% interval {}). "
      "Against it:</p>\n",
      escape(f.scenarios.front().name), number(deaths.at(0, P, "mean"), Style::Count, src("deaths", 0, P, "mean")),
      f.horizon, interval(f, "deaths", 0, P, Style::Count));
  out += "<table id=\"headline-table\">\n<thead><tr><th>Scenario</th><th class=\"n\">Deaths averted, mean<br>"
         "(95% interval)</th>";
  if (ly) out += "<th class=\"n\">Life-years gained,<br>mean</th>";
  if (costs) out += "<th class=\"n\">Extra cost,<br>discounted, mean</th><th class=\"n\">Cost per death averted<br>"
                    "(95% interval)</th>";
  out += "</tr></thead>\n<tbody>\n";
  std::vector<IntervalRow> rows;
  for (std::size_t s = 1; s < f.scenarios.size(); ++s) {
    out += fmt::format("<tr><td>{}</td><td class=\"n\">{}<br>({})</td>", escape(f.scenarios[s].name),
                       number(av.at(s, P, "mean"), Style::Count, src("deaths_averted", s, P, "mean")),
                       interval(f, "deaths_averted", s, P, Style::Count));
    if (ly) {
      out += fmt::format("<td class=\"n\">{}</td>", number(f.summary("life_years_gained").at(s, P, "mean"), Style::Count,
                                                           src("life_years_gained", s, P, "mean")));
    }
    if (costs) {
      const double ratio = f.summary("cost_effectiveness").at(s, P, "cost_per_death_averted");
      out += fmt::format(
          "<td class=\"n\">{}</td><td class=\"n\">{}<br>{}</td>",
          number(f.summary("extra_cost").at(s, P, "mean"), Style::Money, src("extra_cost", s, P, "mean")),
          std::isnan(ratio) ? std::string("no deaths averted on average")
                            : number(ratio, Style::Money, src("cost_effectiveness", s, P, "cost_per_death_averted")),
          std::isnan(ratio) ? std::string() : "(" + interval(f, "cost_effectiveness", s, P, Style::Money) + ")");
    }
    out += "</tr>\n";
    rows.push_back({f.scenarios[s].name, av.at(s, P, "mean"), av.at(s, P, "lower_95"), av.at(s, P, "upper_95")});
  }
  out += "</tbody></table>\n";
  std::size_t best = 0;  // the scenario averting most deaths on average
  for (std::size_t s = 1; s < f.scenarios.size(); ++s) {
    if (best == 0 || av.at(s, P, "mean") > av.at(best, P, "mean")) best = s;
  }
  if (best > 0) {
    const bool sure = av.at(best, P, "lower_95") > 0;
    out += fmt::format("<p class=\"lead\">Most deaths averted: <b>{}</b>, {} over {} (95% interval {}){}.</p>\n",
                       escape(f.scenarios[best].name),
                       number(av.at(best, P, "mean"), Style::Count, src("deaths_averted", best, P, "mean")), f.horizon,
                       interval(f, "deaths_averted", best, P, Style::Count),
                       sure ? "" : "; the interval includes zero, so even this is not clearly better than the comparator");
  }
  out += figure("chart-deaths-averted",
                interval_chart("Deaths averted, " + f.horizon + ", against " + f.scenarios.front().name, rows,
                               "deaths averted over " + f.horizon + " (dot: mean; bar: 95% interval)"),
                "Deaths averted by each scenario against the comparator. Bars that cross the zero line mean the "
                "simulations cannot tell the scenario apart from the comparator.");
  return out;
}

}  // namespace

// The overdose period trend is the assumption that moves a forecast most (docs/calibration.md):
// say in words what the comparator assumes after the last year of the trend.
std::string trend_assumption(const Forecast& f) {
  const auto settings = settings_of(f.scenarios.front().merged_yaml);
  auto value = [&](const char* path) {
    const auto it = settings.find(path);
    return it == settings.end() ? std::nan("") : std::strtod(it->second.value.c_str(), nullptr);
  };
  const double trend = value("overdose.period_trend"), start = value("overdose.period_trend_start"),
               end = value("overdose.period_trend_end");
  const bool fitted = f.calibration && f.calibration->attrs.count("posterior") &&
                      !f.calibration->attrs.at("posterior").empty();
  if (std::isnan(start) || std::isnan(end) || (trend == 1.0 && !fitted)) return "";
  const int first = static_cast<int>(start) + 1, last = static_cast<int>(end);
  std::string out = fmt::format(
      "<div class=\"assumption\" id=\"trend-assumption\"><p><b>The assumption that moves these numbers most.</b> "
      "Overdose risk in the model changes by a yearly factor from {} to {} (a period effect such as heroin purity or "
      "other drugs), {}. ",
      first, last,
      fitted ? "its size fitted to the observed deaths (posterior <code>" + escape(f.calibration->attrs.at("posterior")) +
                   "</code>, so it varies between the runs)"
             : fmt::format("x {:.3g} a year in the comparator's settings", trend));
  for (const Observed& o : f.observed) {
    if (!o.primary) continue;
    const auto at = [&](int year) { return std::find(o.years.begin(), o.years.end(), year) - o.years.begin(); };
    const auto a = static_cast<std::size_t>(at(first - 1)), b = static_cast<std::size_t>(at(last));
    if (a < o.years.size() && b < o.years.size()) {
      out += fmt::format("Observed: {} in {}, {} in {} ({}). ",
                         number(o.value[a], Style::Count, fmt::format("observed/{}/value/{}", o.id, a)), first - 1,
                         number(o.value[b], Style::Count, fmt::format("observed/{}/value/{}", o.id, b)), last,
                         escape(o.label));
    }
  }
  if (last >= f.to) {
    out += fmt::format("The trend goes on to {}, the end of the period reported here, so the forecast carries it "
                       "forward.</p></div>\n", last);
  } else {
    out += fmt::format(
        "<b>From {} on, overdose risk is held at its {} level: the forecast assumes the rise stops.</b> If it went "
        "on, every scenario would have more deaths than shown, and the deaths averted by levers that prevent "
        "overdose deaths would grow with them. To see that case, set <code>overdose.period_trend_end</code> to a "
        "later year in the scenario files and run again.</p></div>\n",
        last + 1, last);
  }
  return out;
}

namespace {

// The years shown in the yearly charts: ten years before the horizon (or from the first
// observation) to the end of the run.
std::vector<std::size_t> chart_years(const Forecast& f, const Observed* primary) {
  int first = f.from - 10;
  if (primary && !primary->years.empty()) first = std::min(first, primary->years.front());
  std::vector<std::size_t> out;
  for (std::size_t y = 0; y < f.years.size(); ++y) {
    if (f.years[y] >= first) out.push_back(y);
  }
  return out;
}

FanChart deaths_fan(const Forecast& f, std::size_t s, const std::vector<std::size_t>& ys) {
  FanChart c;
  c.title = f.scenarios[s].name;
  c.y_label = "deaths per year";
  for (auto y : ys) {
    c.years.push_back(f.years[y]);
    for (std::size_t q = 0; q < 5; ++q) c.bands[q].push_back(f.deaths_bands[s][q][y]);
    if (s > 0) c.reference.push_back(f.deaths_bands[0][2][y]);
  }
  return c;
}

std::string deaths_by_year(const Forecast& f) {
  const Observed* primary = nullptr;
  for (const auto& o : f.observed) {
    if (o.primary) primary = &o;
  }
  const auto ys = chart_years(f, primary);
  std::string out = "<h2 id=\"deaths-per-year\">Deaths per year</h2>\n";
  out += "<p>All deaths in each calendar year among the people the model follows. "
         + fan_legend(true, primary != nullptr) + "</p>\n";
  FanChart main = deaths_fan(f, 0, ys);
  main.width = 680;
  main.height = 300;
  if (primary) {
    main.points = Points{primary->label, primary->unit, primary->years, primary->value, primary->lower, primary->upper};
    main.same_axis = primary->unit == "deaths" || primary->unit == "deaths per year";
  }
  std::string caption = "Deaths per year in the comparator.";
  if (primary) {
    caption += fmt::format(" Points: {} ({}, {}; {}), with its 95% interval{}. It counts {}.", escape(primary->label),
                           escape(primary->source), escape(primary->geography), escape(primary->unit),
                           main.same_axis ? "" : ", on the right-hand axis", escape(primary->mapping));
  }
  out += figure("chart-deaths-fan-0", fan_chart(main), caption);
  out += "<div class=\"grid\">\n";
  for (std::size_t s = 1; s < f.scenarios.size(); ++s) {
    out += figure(fmt::format("chart-deaths-fan-{}", s), fan_chart(deaths_fan(f, s, ys)), "");
  }
  out += "</div>\n";
  // The numbers behind the charts.
  std::string table = "<table><thead><tr><th>Scenario</th><th>Year</th>";
  for (const char* q : {"2.5%", "25%", "median", "75%", "97.5%"}) table += fmt::format("<th class=\"n\">{}</th>", q);
  table += "</tr></thead><tbody>\n";
  for (std::size_t s = 0; s < f.scenarios.size(); ++s) {
    for (auto y : ys) {
      table += fmt::format("<tr><td>{}</td><td>{}</td>", escape(f.scenarios[s].name), f.years[y]);
      for (std::size_t q = 0; q < 5; ++q) {
        table += fmt::format("<td class=\"n\">{}</td>",
                             number(f.deaths_bands[s][q][y], Style::Count,
                                    fmt::format("deaths_band/{}/{}/{}", s, f.years[y], kBandQuantiles[q])));
      }
      table += "</tr>\n";
    }
  }
  table += "</tbody></table>\n";
  out += details("The numbers behind these charts (deaths per year: quantiles over the runs)", table);
  return out;
}

std::string breakdown_section(const Forecast& f, const Breakdown& b, const std::string& id, const std::string& what) {
  std::vector<std::string> rows, segments;
  for (const auto& s : f.scenarios) rows.push_back(s.name);
  for (const auto& l : b.labels) segments.push_back(readable(l));
  std::string out = fmt::format("<h3>By {}</h3>\n", what);
  out += figure(id,
                stacked_bars(fmt::format("Deaths by {}, {} (mean over runs)", what, f.horizon), rows, segments, b.mean,
                             "deaths over " + f.horizon),
                "");
  std::string table = fmt::format("<table><thead><tr><th>Scenario</th>");
  for (const auto& l : segments) table += fmt::format("<th class=\"n\">{}</th>", escape(l));
  table += "</tr></thead><tbody>\n";
  for (std::size_t s = 0; s < f.scenarios.size(); ++s) {
    table += fmt::format("<tr><td>{}</td>", escape(f.scenarios[s].name));
    for (std::size_t k = 0; k < b.labels.size(); ++k) {
      table += fmt::format("<td class=\"n\">{}</td>",
                           number(b.mean[s][k], Style::Count,
                                  fmt::format("breakdown/{}/{}/{}/{}", b.table, b.dim, s, b.labels[k])));
    }
    table += "</tr>\n";
  }
  table += "</tbody></table>\n";
  return out + details(fmt::format("The numbers: deaths by {} over {}, mean over the runs", what, f.horizon), table);
}

std::string people_section(const Forecast& f) {
  std::string out = "<h2 id=\"people\">People by pathway state</h2>\n"
                    "<p>How many people the model follows are in each state on 1 January of each year (mean over the "
                    "runs). OST is opioid substitution treatment (methadone or buprenorphine); harm reduction means in contact only "
                    "through outreach or needle exchange; OST, reducing is OST whose dose is being reduced to stop. "
                    "People who have stopped using stay in the population.</p>\n";
  std::vector<int> years;
  std::vector<std::size_t> ys;
  for (std::size_t y = 0; y < f.years.size(); ++y) {
    if (f.years[y] >= f.from - 10) ys.push_back(y), years.push_back(f.years[y]);
  }
  std::vector<std::string> labels;
  std::vector<std::vector<double>> values;
  for (std::size_t k = 0; k < f.states.size(); ++k) {
    labels.push_back(readable(f.states[k]));
    std::vector<double> v;
    for (auto y : ys) v.push_back(f.people[0][k][y]);
    values.push_back(std::move(v));
  }
  out += figure("chart-people",
                stacked_area("People by state, " + f.scenarios.front().name, years, labels, values, "people"),
                "People in each state on 1 January, in the comparator (mean over the runs).");
  // Every scenario in the last year of the horizon.
  const auto last = static_cast<std::size_t>(std::find(f.years.begin(), f.years.end(), f.to) - f.years.begin());
  if (last < f.years.size()) {
    out += fmt::format("<p>People in each state on 1 January {}, by scenario (mean over the runs):</p>\n", f.to);
    std::string table = "<table><thead><tr><th>Scenario</th>";
    for (const auto& l : labels) table += fmt::format("<th class=\"n\">{}</th>", escape(l));
    table += "</tr></thead><tbody>\n";
    for (std::size_t s = 0; s < f.scenarios.size(); ++s) {
      table += fmt::format("<tr><td>{}</td>", escape(f.scenarios[s].name));
      for (std::size_t k = 0; k < f.states.size(); ++k) {
        table += fmt::format("<td class=\"n\">{}</td>", number(f.people[s][k][last], Style::Count,
                                                               fmt::format("people/{}/{}/{}", s, f.states[k], f.to)));
      }
      table += "</tr>\n";
    }
    out += table + "</tbody></table>\n";
  }
  return out;
}

std::string changes_section(const Forecast& f) {
  std::string out = fmt::format(
      "<h2 id=\"changes\">What each scenario changes</h2>\n<p>Every setting that differs from the comparator, "
      "<b>{}</b>, with where the scenario sets it and the source of the comparator's value. Settings not listed "
      "are the same as in the comparator.</p>\n",
      escape(f.scenarios.front().name));
  for (std::size_t s = 1; s < f.scenarios.size(); ++s) {
    const auto list = changes(f.scenarios[0].merged_yaml, f.scenarios[s].merged_yaml);
    const auto settings = settings_of(f.scenarios[s].merged_yaml);
    const auto description = settings.find("scenario.description");
    out += fmt::format("<h3>{}</h3>\n", escape(f.scenarios[s].name));
    if (description != settings.end()) out += "<p>" + escape(plain_text(description->second.value)) + "</p>\n";
    out += changes_table(list, f.scenarios.front().name, f.scenarios[s].name);
  }
  return out;
}

std::string calibration_section(const Forecast& f) {
  if (!f.calibration && f.observed.empty()) return "";
  std::string out = "<h2 id=\"calibration\">How well the model fits what was observed</h2>\n"
                    "<p>The model was calibrated: its uncertain inputs were chosen so that its past matches published "
                    "counts. Each chart shows the observed values (points, with their 95% intervals) against the "
                    "model's counterpart in the comparator (bands: 50% and 95% of the runs; line: median). ";
  if (f.calibration) {
    const auto& c = *f.calibration;
    auto attr = [&](const char* k) { return c.attrs.count(k) ? escape(c.attrs.at(k)) : std::string("-"); };
    out += fmt::format("Method: {}; fitted to data up to {}; targets file {} (hash {}); posterior {} (hash {}).</p>\n",
                       attr("method"), attr("until_year"), attr("targets_file"), attr("targets_hash"), attr("posterior"),
                       attr("posterior_hash"));
    out += "<table id=\"fit-table\"><thead><tr><th>Series</th><th class=\"n\">Years compared</th>"
           "<th class=\"n\">Mean absolute percentage error</th><th class=\"n\">Observed values inside the model's "
           "95% band</th></tr></thead><tbody>\n";
    for (std::size_t k = 0; k < c.series.size(); ++k) {
      std::string label = c.series[k];
      for (const auto& o : f.observed) {
        if (o.id == c.series[k]) label = o.label;
      }
      out += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
                         escape(label), number(c.n_years[k], Style::Count, fmt::format("calibration/n_years/{}", k)),
                         // stored in percent (docs/results-format.md), coverage as a fraction
                         number(c.mape[k], Style::Value, fmt::format("calibration/mape/{}", k)) + "%",
                         number(c.coverage95[k], Style::Percent, fmt::format("calibration/coverage95/{}", k)));
    }
    out += "</tbody></table>\n";
  } else {
    out += "</p>\n";
  }
  out += "<p>" + fan_legend(false, true) + "</p>\n<div class=\"grid\">\n";
  std::string numbers;
  for (std::size_t i = 0; i < f.observed.size(); ++i) {
    const Observed& o = f.observed[i];
    if (o.years.empty()) continue;
    FanChart c;
    c.title = o.label;
    c.y_label = o.unit;
    c.years = o.years;
    for (std::size_t q = 0; q < 5; ++q) {
      for (std::size_t y = 0; y < o.years.size(); ++y) c.bands[q].push_back(o.model_at(0, q, y));
    }
    c.points = Points{o.label, o.unit, o.years, o.value, o.lower, o.upper};
    out += figure("chart-fit-" + std::to_string(i), fan_chart(c),
                  fmt::format("{} ({}; {}). The model's counterpart: {}.", escape(o.label), escape(o.source),
                              escape(o.geography), escape(o.mapping)));
    numbers += fmt::format("<h4>{}</h4><table><thead><tr><th>Year</th><th class=\"n\">Observed</th><th class=\"n\">"
                           "95% interval</th><th class=\"n\">Model median</th><th class=\"n\">Model 95% band</th>"
                           "</tr></thead><tbody>\n",
                           escape(o.label));
    for (std::size_t y = 0; y < o.years.size(); ++y) {
      auto obs = [&](const char* field, const std::vector<double>& v) {
        return number(v[y], Style::Value, fmt::format("observed/{}/{}/{}", o.id, field, y));
      };
      auto model = [&](std::size_t q) {
        return number(o.model_at(0, q, y), Style::Value, fmt::format("observed/{}/model_quantiles/0/{}/{}", o.id, q, y));
      };
      numbers += fmt::format("<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{} to {}</td><td class=\"n\">{}</td>"
                             "<td class=\"n\">{} to {}</td></tr>\n",
                             o.years[y], obs("value", o.value), obs("lower", o.lower), obs("upper", o.upper), model(2),
                             model(0), model(4));
    }
    numbers += "</tbody></table>\n";
  }
  out += "</div>\n";
  return out + details("The numbers behind these charts", numbers);
}

}  // namespace

std::string forecast_html(const Forecast& f) {
  const std::size_t n = f.scenarios.size() - 1;
  std::string body = fmt::format(
      "<h1>Forecast of deaths averted, {}</h1>\n<p class=\"lead\">{} commissioning choice{} compared with <b>{}</b>, "
      "from the results file <code>{}</code>.</p>\n",
      f.horizon, n, n == 1 ? "" : "s", escape(f.scenarios.front().name), escape(f.file.filename().string()));
  body += "<nav><p>Contents: <a href=\"#headline\">Deaths averted</a> · <a href=\"#deaths-per-year\">Deaths per year</a>"
          " · <a href=\"#breakdown\">By cause and age</a> · <a href=\"#people\">People by state</a> · "
          "<a href=\"#changes\">What each scenario changes</a>";
  const std::string local = local_area_section(f);
  if (!local.empty()) body += " · <a href=\"#local-area\">Local area</a>";
  if (f.calibration || !f.observed.empty()) body += " · <a href=\"#calibration\">Fit to observed data</a>";
  body += " · <a href=\"#provenance\">Provenance</a> · <a href=\"#how-to-read\">How to read this report</a></p></nav>\n";
  body += headline(f);
  body += trend_assumption(f);
  body += how_to_read(f);
  body += deaths_by_year(f);
  body += fmt::format("<h2 id=\"breakdown\">Deaths by cause and by age, {}</h2>\n", f.horizon);
  body += breakdown_section(f, f.by_cause, "chart-cause", "cause");
  body += breakdown_section(f, f.by_age, "chart-age", "age at death");
  body += people_section(f);
  body += changes_section(f);
  body += local;
  body += calibration_section(f);
  body += provenance_section(f);
  return page(fmt::format("Forecast of deaths averted, {} ({})", f.horizon, f.scenarios.front().name), body);
}

}  // namespace averted::report
