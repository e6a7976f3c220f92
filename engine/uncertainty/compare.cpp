#include "uncertainty/compare.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <stdexcept>
#include <variant>

#include <fmt/format.h>

#include "scenario/parameter.hpp"
#include "uncertainty/results_reader.hpp"

namespace averted {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const TableSpec& deaths_spec(const std::vector<TableSpec>& tables) {
  for (const auto& t : tables) {
    if (t.name == "deaths") return t;
  }
  throw std::invalid_argument("the model has no 'deaths' table to compare");
}

int year_of_label(const std::string& label) {
  // "2026" (yearly outputs) or "2026-w13" (weekly outputs).
  return std::stoi(label.substr(0, 4));
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? kNaN : s / static_cast<double>(v.size());
}

double sd_of(const std::vector<double>& v) {
  if (v.size() < 2) return kNaN;
  const double m = mean_of(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

std::string cell(double x) { return std::isnan(x) ? std::string() : format_number(x); }

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

// ---------------------------------------------------------------------------------
// Reductions

std::vector<int> output_years(const std::vector<TableSpec>& tables) {
  const TableSpec& t = deaths_spec(tables);
  std::vector<int> years;
  for (const auto& label : t.dims.front().labels) {
    const int y = year_of_label(label);
    if (years.empty() || years.back() != y) years.push_back(y);
  }
  return years;
}

namespace {

// Sums a table over every dimension but its period axis, by calendar year.
std::vector<double> yearly(const TableSpec& t, const std::vector<double>& cells, const std::vector<int>& years) {
  std::vector<double> out(years.size(), 0.0);
  const std::size_t per_period = t.size() / t.dims.front().labels.size();
  for (std::size_t c = 0; c < cells.size(); ++c) {
    const int y = year_of_label(t.dims.front().labels[c / per_period]);
    out[static_cast<std::size_t>(std::lower_bound(years.begin(), years.end(), y) - years.begin())] += cells[c];
  }
  return out;
}

std::vector<double> as_doubles(const std::variant<std::vector<std::int64_t>, std::vector<double>>& v) {
  if (const auto* d = std::get_if<std::vector<double>>(&v)) return *d;
  const auto& i = std::get<std::vector<std::int64_t>>(v);
  return std::vector<double>(i.begin(), i.end());
}

}  // namespace

RunReduction reduce_run(const std::vector<TableSpec>& tables, const RunOutputs& outputs) {
  const std::vector<int> years = output_years(tables);
  RunReduction out;
  // Life-years and costs are the model's own outputs (life expectancy and unit costs
  // are scenario parameters with sources), so the comparison adds no numbers of its own.
  for (std::size_t k = 0; k < tables.size(); ++k) {
    if (tables[k].name == "deaths") out.deaths = yearly(tables[k], as_doubles(outputs.tables.at(k)), years);
    if (tables[k].name == "life_years_lost") out.life_years_lost = yearly(tables[k], as_doubles(outputs.tables.at(k)), years);
    if (tables[k].name == "costs_discounted") out.costs = yearly(tables[k], as_doubles(outputs.tables.at(k)), years);
  }
  return out;
}

// ---------------------------------------------------------------------------------
// Statistics

double quantile(std::vector<double> v, double p) {
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= v.size()) return v.back();
  return v[lo] + (h - static_cast<double>(lo)) * (v[lo + 1] - v[lo]);
}

double monte_carlo_se(const std::vector<double>& values, std::uint32_t draws, std::uint32_t replicates) {
  if (draws <= 1) return sd_of(values) / std::sqrt(static_cast<double>(values.size()));
  std::vector<double> means(draws, 0.0);
  for (std::uint32_t d = 0; d < draws; ++d) {
    for (std::uint32_t r = 0; r < replicates; ++r) means[d] += values[d * replicates + r];
    means[d] /= replicates;
  }
  return sd_of(means) / std::sqrt(static_cast<double>(draws));
}

Summaries summarise(const std::vector<std::string>& scenarios, std::uint32_t D, std::uint32_t R,
                    const std::vector<RunReduction>& runs, const std::vector<int>& years, int from, int to) {
  const std::size_t S = scenarios.size();
  if (runs.size() != S * D * R) throw std::logic_error("summarise: one reduction per run expected");
  std::vector<std::size_t> year_index;  // years in the range
  std::vector<std::string> periods;
  for (std::size_t i = 0; i < years.size(); ++i) {
    if (years[i] >= from && years[i] <= to) {
      year_index.push_back(i);
      periods.push_back(std::to_string(years[i]));
    }
  }
  if (year_index.empty()) throw std::invalid_argument(fmt::format("no output year in {}-{}", from, to));
  Summaries out;
  out.draws = D;
  out.replicates = R;
  out.range_label = fmt::format("{}-{}", from, to);
  periods.push_back(out.range_label);
  const std::size_t P = periods.size();
  const bool have_ly = !runs.empty() && !runs.front().life_years_lost.empty();
  const bool have_costs = !runs.empty() && !runs.front().costs.empty();
  enum Measure { kDeaths, kLifeYears, kCosts };

  // value(m, s, d, r, p) of a measure: a year, or the range total (p == P - 1).
  auto value = [&](int m, std::size_t s, std::size_t d, std::size_t r, std::size_t p) {
    const RunReduction& run = runs[(s * D + d) * R + r];
    const auto& v = m == kLifeYears ? run.life_years_lost : m == kCosts ? run.costs : run.deaths;
    if (p + 1 < P) return v[year_index[p]];
    double sum = 0;
    for (auto i : year_index) sum += v[i];
    return sum;
  };

  const std::vector<std::string> stats = {"mean", "median", "lower_95", "upper_95", "mcse", "runs"};
  const std::vector<std::string> paired = {"mean",     "median", "lower_95",          "upper_95",
                                           "mcse",     "pairs",  "unpaired_lower_95", "unpaired_upper_95"};
  auto fill = [&](std::vector<double>& row, const std::vector<double>& v) {
    row.push_back(mean_of(v));
    row.push_back(quantile(v, 0.5));
    row.push_back(quantile(v, 0.025));
    row.push_back(quantile(v, 0.975));
    row.push_back(monte_carlo_se(v, D, R));
    row.push_back(static_cast<double>(v.size()));
  };

  SummaryTable deaths{"deaths", "deaths",
                      "Deaths per scenario: mean, median, 2.5% and 97.5% quantiles over every (draw, replicate) "
                      "run, Monte Carlo standard error of the mean, and the number of runs.",
                      "statistic", scenarios, periods, stats, {}};
  for (std::size_t s = 0; s < S; ++s) {
    for (std::size_t p = 0; p < P; ++p) {
      std::vector<double> v;
      for (std::size_t d = 0; d < D; ++d) {
        for (std::size_t r = 0; r < R; ++r) v.push_back(value(kDeaths, s, d, r, p));
      }
      fill(deaths.values, v);
    }
  }
  out.tables.push_back(std::move(deaths));

  // Differences per pair: comparator minus scenario (averted, gained) or, for costs,
  // scenario minus comparator (extra cost).
  auto averted_table = [&](int m, std::string name, std::string unit, std::string what) {
    const double sign = m == kCosts ? -1.0 : 1.0;
    SummaryTable t{std::move(name), std::move(unit),
                   what + " against the comparator (scenario 0), computed per (draw, replicate) pair: mean, "
                          "median, 2.5% and 97.5% quantiles over the pairs, Monte Carlo standard error of the "
                          "mean, the number of pairs, and for reference the 95% interval of unpaired "
                          "differences (comparator replicate r against scenario replicate r+1).",
                   "paired_statistic", scenarios, periods, paired, {}};
    for (std::size_t s = 0; s < S; ++s) {
      for (std::size_t p = 0; p < P; ++p) {
        std::vector<double> v, unpaired;
        for (std::size_t d = 0; d < D; ++d) {
          for (std::size_t r = 0; r < R; ++r) {
            v.push_back(sign * (value(m, 0, d, r, p) - value(m, s, d, r, p)));
            if (R > 1) unpaired.push_back(sign * (value(m, 0, d, r, p) - value(m, s, d, (r + 1) % R, p)));
          }
        }
        fill(t.values, v);
        t.values.push_back(R > 1 ? quantile(unpaired, 0.025) : kNaN);
        t.values.push_back(R > 1 ? quantile(unpaired, 0.975) : kNaN);
        if (m == kDeaths && p + 1 == P) out.averted_pairs.insert(out.averted_pairs.end(), v.begin(), v.end());
      }
    }
    return t;
  };
  out.tables.push_back(averted_table(kDeaths, "deaths_averted", "deaths", "Deaths averted"));
  if (have_ly) {
    out.tables.push_back(averted_table(
        kLifeYears, "life_years_gained", "life-years",
        "Life-years gained (the model's life_years_lost: each death weighted by the general-population life "
        "expectancy at its age and sex)"));
  }
  if (have_costs) {
    out.tables.push_back(averted_table(kCosts, "extra_cost", "pounds",
                                       "Extra cost, discounted (the model's costs_discounted)"));
    // Cost-effectiveness: the ratio of mean extra cost to mean deaths averted (or
    // life-years gained) over the range, with a 95% interval from a percentile
    // bootstrap over the pairs (2,000 resamples, fixed generator: reproducible).
    SummaryTable ratios{"cost_effectiveness", "pounds",
                        "Cost per death averted and per life-year gained: ratio of the mean extra cost to the mean "
                        "deaths averted (life-years gained), and a 95% percentile-bootstrap interval over the "
                        "(draw, replicate) pairs. Not defined (NaN) when the mean benefit is not positive.",
                        "ratio_statistic", scenarios, periods,
                        {"cost_per_death_averted", "lower_95", "upper_95", "cost_per_life_year_gained",
                         "ly_lower_95", "ly_upper_95"}, {}};
    for (std::size_t s = 0; s < S; ++s) {
      for (std::size_t p = 0; p < P; ++p) {
        std::vector<double> cost, deaths, years_gained;
        for (std::size_t d = 0; d < D; ++d) {
          for (std::size_t r = 0; r < R; ++r) {
            cost.push_back(value(kCosts, s, d, r, p) - value(kCosts, 0, d, r, p));
            deaths.push_back(value(kDeaths, 0, d, r, p) - value(kDeaths, s, d, r, p));
            years_gained.push_back(have_ly ? value(kLifeYears, 0, d, r, p) - value(kLifeYears, s, d, r, p) : kNaN);
          }
        }
        for (const auto* benefit : {&deaths, &years_gained}) {
          auto ratio = [&](const std::vector<std::size_t>& pick) {
            double c = 0, b = 0;
            for (auto k : pick) {
              c += cost[k];
              b += (*benefit)[k];
            }
            return b > 0 ? c / b : kNaN;
          };
          std::vector<std::size_t> all(cost.size());
          std::iota(all.begin(), all.end(), 0);
          const double central = s == 0 ? kNaN : ratio(all);
          std::vector<double> boot;
          std::mt19937_64 gen(20260401);  // the standard fixes mt19937_64's output sequence
          for (int k = 0; k < 2000 && !std::isnan(central); ++k) {
            std::vector<std::size_t> pick(cost.size());
            for (auto& x : pick) x = static_cast<std::size_t>(gen() % cost.size());
            const double v = ratio(pick);
            if (!std::isnan(v)) boot.push_back(v);
          }
          ratios.values.push_back(central);
          ratios.values.push_back(boot.size() > 100 ? quantile(boot, 0.025) : kNaN);
          ratios.values.push_back(boot.size() > 100 ? quantile(boot, 0.975) : kNaN);
        }
      }
    }
    out.tables.push_back(std::move(ratios));
  }
  return out;
}

// ---------------------------------------------------------------------------------
// The comparison

namespace {

void write_summaries(ResultsFile& file, const Summaries& sm, std::uint32_t D, std::uint32_t R) {
  for (const auto& t : sm.tables) {
    TableSpec spec;
    spec.name = t.name;
    spec.unit = t.unit;
    spec.description = t.description;
    spec.type = CellType::Float64;
    spec.dims = {{"scenario", t.scenarios}, {"summary_period", t.periods}, {t.statistic_dim, t.statistics}};
    file.write_summary(t.name, spec, t.values);
  }
  TableSpec pairs;
  pairs.name = "deaths_averted_pairs";
  pairs.unit = "deaths";
  pairs.description = "Deaths averted over the summary range (" + sm.range_label +
                      ") in each (draw, replicate) pair, against the comparator.";
  pairs.type = CellType::Float64;
  std::vector<std::string> draws, reps;
  for (std::uint32_t d = 0; d < D; ++d) draws.push_back(std::to_string(d));
  for (std::uint32_t r = 0; r < R; ++r) reps.push_back(std::to_string(r));
  pairs.dims = {{"scenario", sm.tables.front().scenarios}, {"draw", draws}, {"replicate", reps}};
  file.write_summary(pairs.name, pairs, sm.averted_pairs);
}

std::vector<std::filesystem::path> write_csv(const std::filesystem::path& output, const Summaries& sm) {
  std::vector<std::filesystem::path> files;
  auto path_for = [&](const std::string& name) {
    auto p = output;
    p.replace_filename(output.stem().string() + "." + name + ".csv");
    return p;
  };
  for (const auto& t : sm.tables) {
    const auto p = path_for(t.name);
    std::ofstream f(p);
    f << "scenario,period";
    for (const auto& k : t.statistics) f << "," << k;
    f << "\n";
    for (std::size_t s = 0; s < t.scenarios.size(); ++s) {
      for (std::size_t q = 0; q < t.periods.size(); ++q) {
        f << csv_text(t.scenarios[s]) << "," << t.periods[q];
        for (std::size_t k = 0; k < t.statistics.size(); ++k) f << "," << cell(t.at(s, q, k));
        f << "\n";
      }
    }
    if (!f) throw std::runtime_error("cannot write " + p.string());
    files.push_back(p);
  }
  const auto p = path_for("deaths_averted_pairs");
  std::ofstream f(p);
  f << "scenario,draw,replicate,period,deaths_averted\n";
  const auto& names = sm.tables.front().scenarios;
  for (std::size_t s = 0; s < names.size(); ++s) {
    for (std::uint32_t d = 0; d < sm.draws; ++d) {
      for (std::uint32_t r = 0; r < sm.replicates; ++r) {
        f << csv_text(names[s]) << "," << d << "," << r << "," << sm.range_label << ","
          << cell(sm.averted_pairs[(s * sm.draws + d) * sm.replicates + r]) << "\n";
      }
    }
  }
  if (!f) throw std::runtime_error("cannot write " + p.string());
  files.push_back(p);
  return files;
}

std::string report(const Summaries& sm, const std::string& comparator) {
  std::string out;
  const SummaryTable* av = nullptr;
  const SummaryTable* ly = nullptr;
  for (const auto& t : sm.tables) {
    if (t.name == "deaths_averted") av = &t;
    if (t.name == "life_years_gained") ly = &t;
  }
  const std::size_t last = av->periods.size() - 1;
  out += fmt::format("Deaths averted against '{}', {} ({} draw(s) x {} replicate(s) = {} pairs):\n", comparator,
                     sm.range_label, sm.draws, sm.replicates, sm.draws * sm.replicates);
  out += fmt::format("  {:<40} {:>9} {:>21} {:>8} {:>21} {:>7}\n", "scenario", "mean", "95% interval", "MC s.e.",
                     "unpaired 95% int.", "ratio");
  for (std::size_t s = 1; s < av->scenarios.size(); ++s) {
    const double lo = av->at(s, last, 2), hi = av->at(s, last, 3);
    const double ulo = av->at(s, last, 6), uhi = av->at(s, last, 7);
    out += fmt::format("  {:<40} {:>9.1f} {:>21} {:>8.2f} {:>21} {:>7}\n", av->scenarios[s], av->at(s, last, 0),
                       fmt::format("{:.1f} to {:.1f}", lo, hi), av->at(s, last, 4),
                       std::isnan(ulo) ? std::string("-") : fmt::format("{:.1f} to {:.1f}", ulo, uhi),
                       std::isnan(ulo) || uhi == ulo ? std::string("-") : fmt::format("{:.3f}", (hi - lo) / (uhi - ulo)));
  }
  if (ly) {
    out += fmt::format("Life-years gained, {}:\n", sm.range_label);
    for (std::size_t s = 1; s < ly->scenarios.size(); ++s) {
      out += fmt::format("  {:<40} {:>9.1f} {:>21} {:>8.2f}\n", ly->scenarios[s], ly->at(s, last, 0),
                         fmt::format("{:.1f} to {:.1f}", ly->at(s, last, 2), ly->at(s, last, 3)), ly->at(s, last, 4));
    }
  }
  const SummaryTable* ce = nullptr;
  const SummaryTable* extra = nullptr;
  for (const auto& t : sm.tables) {
    if (t.name == "cost_effectiveness") ce = &t;
    if (t.name == "extra_cost") extra = &t;
  }
  if (ce && extra) {
    out += fmt::format("Extra cost (discounted) and cost per death averted, {}:\n", sm.range_label);
    for (std::size_t s = 1; s < ce->scenarios.size(); ++s) {
      const double r = ce->at(s, last, 0), lo = ce->at(s, last, 1), hi = ce->at(s, last, 2);
      out += fmt::format("  {:<40} extra cost £{:>12.0f}   per death averted {:>21}   interval {}\n", ce->scenarios[s],
                         extra->at(s, last, 0), std::isnan(r) ? std::string("no deaths averted") : fmt::format("£{:.0f}", r),
                         std::isnan(lo) ? std::string("-") : fmt::format("£{:.0f} to £{:.0f}", lo, hi));
    }
  } else {
    out += "Costs: not in this results file (the model wrote no costs_discounted table).\n";
  }
  return out;
}

// Reductions of the runs already in a results file (for resume).
void read_existing(const std::filesystem::path& path, const std::vector<TableSpec>& tables, std::uint32_t S,
                   std::uint32_t D, std::uint32_t R, std::vector<std::optional<RunReduction>>& runs) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;
  const ResultsReader reader(path);
  if (reader.scenarios() != S || reader.draws() != D || reader.replicates() != R) return;  // create() says why
  for (std::uint32_t s = 0; s < S; ++s) {
    for (std::uint32_t d = 0; d < D; ++d) {
      for (std::uint32_t r = 0; r < R; ++r) {
        if (reader.done(s, d, r)) runs[(s * D + d) * R + r] = reduce_run(tables, reader.read_run(tables, s, d, r));
      }
    }
  }
}

std::vector<RunReduction> first_replicates(const std::vector<std::optional<RunReduction>>& runs, std::uint32_t S,
                                           std::uint32_t D, std::uint32_t R_all, std::uint32_t R) {
  std::vector<RunReduction> out;
  out.reserve(S * D * R);
  for (std::uint32_t s = 0; s < S; ++s) {
    for (std::uint32_t d = 0; d < D; ++d) {
      for (std::uint32_t r = 0; r < R; ++r) {
        const auto& x = runs[(s * D + d) * R_all + r];
        if (!x) throw std::logic_error(fmt::format("run ({}, {}, {}) missing from the summaries", s, d, r));
        out.push_back(*x);
      }
    }
  }
  return out;
}

}  // namespace

CompareResult run_comparison(const CompareRequest& req, const std::function<void(const RunProgress&)>& progress) {
  const EnsembleRequest& base = req.ensemble;
  const ResultsLayout layout = ensemble_layout(base);
  const std::vector<TableSpec>& tables = layout.tables;
  const std::vector<int> years = output_years(tables);
  const int from = req.from_year ? req.from_year : years.front();
  const int to = req.to_year ? req.to_year : years.back();
  if (from > to || to < years.front() || from > years.back()) {
    throw std::invalid_argument(fmt::format("the summary years {}-{} are outside the run ({}-{})", from, to,
                                            years.front(), years.back()));
  }
  const auto S = static_cast<std::uint32_t>(base.scenarios.size());
  const std::uint32_t D = base.draws;
  CompareResult result;

  if (req.until_precision > 0) {
    if (S < 2) throw std::invalid_argument("--until-precision needs a comparator and at least one other scenario");
    EnsembleRequest grow = base;
    // Replicates go from `minimum` (--replicates, at least 5, so that the standard
    // error itself is estimated from a few pairs) up to the cap, one at a time.
    grow.replicates = std::max<std::uint32_t>(req.max_replicates, 2);
    grow.output = base.output;
    grow.output += ".replicates";
    const std::uint32_t cap = grow.replicates;
    const std::uint32_t minimum = std::min(cap, std::max<std::uint32_t>(5, base.replicates));
    std::vector<std::optional<RunReduction>> runs(S * D * cap);
    if (grow.resume) read_existing(partial_path_for(grow.output), tables, S, D, cap, runs);
    bool stopped_by_precision = false;
    auto worst_se = [&](std::uint32_t n) {
      const Summaries sm = summarise(layout.scenarios, D, n, first_replicates(runs, S, D, cap, n), years, from, to);
      double worst = 0;
      for (std::uint32_t s = 1; s < S; ++s) {
        std::vector<double> v(sm.averted_pairs.begin() + s * D * n, sm.averted_pairs.begin() + (s + 1) * D * n);
        worst = std::max(worst, monte_carlo_se(v, D, n));
      }
      return worst;
    };
    EnsembleHooks hooks;
    hooks.on_run = [&](std::uint32_t s, std::uint32_t d, std::uint32_t r, const RunOutputs& out) {
      runs[(s * D + d) * cap + r] = reduce_run(tables, out);
    };
    hooks.enough = [&](std::uint32_t n) {
      if (n < minimum) return false;
      stopped_by_precision = worst_se(n) < req.until_precision;
      return stopped_by_precision;
    };
    result.ensemble = run_ensemble(grow, progress, hooks);
    if (!result.ensemble.complete && !stopped_by_precision) return result;  // interrupted: resume later
    const std::uint32_t R = result.ensemble.replicates_done;
    result.replicates = R;
    result.standard_error = worst_se(R);
    result.precision_reached = result.standard_error < req.until_precision;
    // The final file holds replicates 0..R-1, exactly as `--replicates R` would write it.
    EnsembleRequest final_req = base;
    final_req.replicates = R;
    final_req.resume = false;
    const std::filesystem::path scratch =
        result.ensemble.complete ? grow.output : partial_path_for(grow.output);
    {
      const ResultsReader reader(scratch);
      ResultsFile file = ResultsFile::create(final_req.output, ensemble_layout(final_req),
                                             ensemble_provenance(final_req));
      for (std::uint32_t r = 0; r < R; ++r) {
        for (std::uint32_t d = 0; d < D; ++d) {
          for (std::uint32_t s = 0; s < S; ++s) file.write_run(s, d, r, reader.read_run(tables, s, d, r));
        }
      }
      result.summaries = summarise(layout.scenarios, D, R, first_replicates(runs, S, D, cap, R), years, from, to);
      write_summaries(file, *result.summaries, D, R);
      if (base.observe_finalize) base.observe_finalize(file, R);
      file.finalize();
    }
    std::filesystem::remove(scratch);
    result.complete = true;
  } else {
    const std::uint32_t R = base.replicates;
    std::vector<std::optional<RunReduction>> runs(S * D * R);
    if (base.resume) read_existing(partial_path_for(base.output), tables, S, D, R, runs);
    EnsembleHooks hooks;
    hooks.on_run = [&](std::uint32_t s, std::uint32_t d, std::uint32_t r, const RunOutputs& out) {
      runs[(s * D + d) * R + r] = reduce_run(tables, out);
    };
    hooks.before_finalize = [&](ResultsFile& file) {
      result.summaries = summarise(layout.scenarios, D, R, first_replicates(runs, S, D, R, R), years, from, to);
      write_summaries(file, *result.summaries, D, R);
    };
    result.ensemble = run_ensemble(base, progress, hooks);
    if (!result.ensemble.complete) return result;
    result.replicates = R;
    if (S > 1) {
      for (std::uint32_t s = 1; s < S; ++s) {
        std::vector<double> v(result.summaries->averted_pairs.begin() + s * D * R,
                              result.summaries->averted_pairs.begin() + (s + 1) * D * R);
        result.standard_error = std::max(result.standard_error, monte_carlo_se(v, D, R));
      }
    }
    result.complete = true;
  }
  if (req.write_csv) result.csv_files = write_csv(base.output, *result.summaries);
  if (S > 1) result.report = report(*result.summaries, layout.scenarios.front());
  return result;
}

}  // namespace averted
