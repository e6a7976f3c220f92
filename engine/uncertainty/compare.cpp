#include "uncertainty/compare.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <stdexcept>

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

int dim_index(const TableSpec& t, const char* name) {
  for (std::size_t k = 0; k < t.dims.size(); ++k) {
    if (t.dims[k].name == name) return static_cast<int>(k);
  }
  return -1;
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

double remaining_life_expectancy(const std::string& band, const std::string& sex) {
  // Approximate period life expectancy (years) at exact ages 15, 20, ..., 75, England,
  // general population, around 2020-2022 (ONS National life tables). Approximate
  // figures, not yet checked cell by cell against the published table: see
  // docs/uncertainty.md.
  static const double male[] = {63.9, 59.0, 54.2, 49.4, 44.6, 39.9, 35.2, 30.7, 26.3, 22.1, 18.3, 14.6, 11.3};
  static const double female[] = {67.7, 62.8, 57.9, 53.0, 48.1, 43.3, 38.5, 33.9, 29.4, 25.0, 20.9, 16.9, 13.2};
  double age;  // the middle of the band
  if (band == "under_20") {
    age = 17.5;
  } else if (band == "65_and_over") {
    age = 70.0;
  } else {
    age = std::stoi(band.substr(0, 2)) + 2.5;
  }
  const double* e = sex == "female" ? female : male;
  const double x = std::clamp((age - 15.0) / 5.0, 0.0, 12.0);
  const auto i = static_cast<std::size_t>(std::min(11.0, std::floor(x)));
  return e[i] + (x - static_cast<double>(i)) * (e[i + 1] - e[i]);
}

RunReduction reduce_run(const std::vector<TableSpec>& tables, const RunOutputs& outputs) {
  std::size_t index = 0;
  while (tables[index].name != "deaths") ++index;
  const TableSpec& t = tables[index];
  const auto& cells = std::get<std::vector<std::int64_t>>(outputs.tables.at(index));
  const std::vector<int> years = output_years(tables);
  const int age = dim_index(t, "age_band"), sex = dim_index(t, "sex");
  // Strides of the row-major table.
  std::vector<std::size_t> stride(t.dims.size(), 1);
  for (std::size_t k = t.dims.size(); k-- > 1;) stride[k - 1] = stride[k] * t.dims[k].labels.size();
  RunReduction out;
  out.deaths.assign(years.size(), 0.0);
  if (age >= 0 && sex >= 0) out.life_years_lost.assign(years.size(), 0.0);
  std::vector<double> le;  // per (age band, sex)
  if (age >= 0 && sex >= 0) {
    for (const auto& a : t.dims[static_cast<std::size_t>(age)].labels) {
      for (const auto& s : t.dims[static_cast<std::size_t>(sex)].labels) le.push_back(remaining_life_expectancy(a, s));
    }
  }
  const std::size_t n_sex = sex >= 0 ? t.dims[static_cast<std::size_t>(sex)].labels.size() : 1;
  for (std::size_t c = 0; c < cells.size(); ++c) {
    if (cells[c] == 0) continue;
    const std::size_t period = c / stride[0];
    const int y = year_of_label(t.dims[0].labels[period]);
    const auto yi = static_cast<std::size_t>(std::lower_bound(years.begin(), years.end(), y) - years.begin());
    const auto n = static_cast<double>(cells[c]);
    out.deaths[yi] += n;
    if (!le.empty()) {
      const std::size_t a = (c / stride[static_cast<std::size_t>(age)]) % t.dims[static_cast<std::size_t>(age)].labels.size();
      const std::size_t s = (c / stride[static_cast<std::size_t>(sex)]) % n_sex;
      out.life_years_lost[yi] += n * le[a * n_sex + s];
    }
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

  // value(s, d, r, p) of a measure: a year, or the range total (p == P - 1).
  auto value = [&](bool ly, std::size_t s, std::size_t d, std::size_t r, std::size_t p) {
    const RunReduction& run = runs[(s * D + d) * R + r];
    const auto& v = ly ? run.life_years_lost : run.deaths;
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
        for (std::size_t r = 0; r < R; ++r) v.push_back(value(false, s, d, r, p));
      }
      fill(deaths.values, v);
    }
  }
  out.tables.push_back(std::move(deaths));

  auto averted_table = [&](bool ly, std::string name, std::string unit, std::string what) {
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
            v.push_back(value(ly, 0, d, r, p) - value(ly, s, d, r, p));
            if (R > 1) unpaired.push_back(value(ly, 0, d, r, p) - value(ly, s, d, (r + 1) % R, p));
          }
        }
        fill(t.values, v);
        t.values.push_back(R > 1 ? quantile(unpaired, 0.025) : kNaN);
        t.values.push_back(R > 1 ? quantile(unpaired, 0.975) : kNaN);
        if (!ly && p + 1 == P) out.averted_pairs.insert(out.averted_pairs.end(), v.begin(), v.end());
      }
    }
    return t;
  };
  out.tables.push_back(averted_table(false, "deaths_averted", "deaths", "Deaths averted"));
  if (have_ly) {
    out.tables.push_back(averted_table(
        true, "life_years_gained", "life-years",
        "Life-years gained: deaths averted weighted by remaining life expectancy at the age of death "
        "(approximate England life table, docs/uncertainty.md),"));
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
  out += "Costs: not computed (the model has no cost output yet).\n";
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
