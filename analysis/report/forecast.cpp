#include "report/forecast.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <variant>

#include <fmt/format.h>

#include "report/h5_input.hpp"
#include "uncertainty/compare.hpp"
#include "uncertainty/results_reader.hpp"

namespace averted::report {
namespace {

// Absorbing states: their counts only grow, so they are not "people in a state".
bool living_state(const std::string& s) { return s != "dead" && s != "emigrated"; }

int year_of(const std::string& period_label) { return std::stoi(period_label.substr(0, 4)); }

[[noreturn]] void bad(const H5Input& in, const std::string& what) {
  throw std::runtime_error(fmt::format("{}: {}", in.path().string(), what));
}

// The table's declaration as written in the file, for ResultsReader.
TableSpec table_spec(const H5Input& in, const std::string& name) {
  const std::string path = "/results/" + name;
  if (!in.exists(path)) bad(in, fmt::format("no table {}; the report needs the England model's tables", path));
  const auto dims = in.text_list_attr(path, "dims");
  const auto label_paths = in.text_list_attr(path, "dim_labels");
  if (dims.size() < 4 || label_paths.size() != dims.size()) {
    bad(in, fmt::format("{}: attributes 'dims' and 'dim_labels' must name the scenario, draw and replicate axes "
                        "and at least one more",
                        path));
  }
  TableSpec t;
  t.name = name;
  t.unit = in.text_attr(path, "unit").value_or("");
  t.type = in.is_integer(path) ? CellType::Int64 : CellType::Float64;
  for (std::size_t k = 3; k < dims.size(); ++k) t.dims.push_back({dims[k], in.texts(label_paths[k])});
  return t;
}

std::size_t dim_index(const H5Input& in, const TableSpec& t, const std::string& dim) {
  for (std::size_t k = 0; k < t.dims.size(); ++k) {
    if (t.dims[k].name == dim) return k;
  }
  bad(in, fmt::format("table /results/{} has no '{}' axis", t.name, dim));
}

std::vector<double> as_doubles(const std::variant<std::vector<std::int64_t>, std::vector<double>>& v) {
  if (const auto* d = std::get_if<std::vector<double>>(&v)) return *d;
  const auto& i = std::get<std::vector<std::int64_t>>(v);
  return std::vector<double>(i.begin(), i.end());
}

// Sums the cells of one run by (calendar year, label of axis `k`).
// With `first_period_only`, only the first period of each year counts (stocks such as
// people at the start of a year; flows such as deaths add up over the year's periods).
std::vector<std::vector<double>> by_year_and(const TableSpec& t, const std::vector<double>& cells, std::size_t k,
                                             const std::vector<int>& years, bool first_period_only) {
  const std::size_t n_label = k == 0 ? 1 : t.dims[k].labels.size();
  std::vector<std::vector<double>> out(years.size(), std::vector<double>(n_label, 0.0));
  std::size_t stride = 1;
  for (std::size_t j = t.dims.size(); j-- > k + 1;) stride *= t.dims[j].labels.size();
  const std::size_t per_period = t.size() / t.dims.front().labels.size();
  const auto& periods = t.dims.front().labels;
  for (std::size_t c = 0; c < cells.size(); ++c) {
    const std::size_t p = c / per_period;
    const int y = year_of(periods[p]);
    if (first_period_only && p > 0 && year_of(periods[p - 1]) == y) continue;
    const auto yi = static_cast<std::size_t>(std::lower_bound(years.begin(), years.end(), y) - years.begin());
    out[yi][k == 0 ? 0 : (c / stride) % n_label] += cells[c];
  }
  return out;
}

Summary read_summary(const H5Input& in, const std::string& name) {
  const std::string path = "/summary/" + name;
  Summary s;
  s.name = name;
  s.unit = in.text_attr(path, "unit").value_or("");
  s.description = in.text_attr(path, "description").value_or("");
  const auto labels = in.text_list_attr(path, "dim_labels");
  const Array a = in.numbers(path);
  if (labels.size() != 3 || a.shape.size() != 3) bad(in, fmt::format("{} is not a [scenario, period, statistic] table", path));
  s.scenarios = in.texts(labels[0]);
  s.periods = in.texts(labels[1]);
  s.statistics = in.texts(labels[2]);
  if (a.shape[0] != s.scenarios.size() || a.shape[1] != s.periods.size() || a.shape[2] != s.statistics.size()) {
    bad(in, fmt::format("{}: its shape does not match its labels", path));
  }
  s.values = a.values;
  return s;
}

std::vector<double> column(const H5Input& in, const std::string& path, std::size_t n) {
  const Array a = in.numbers(path);
  if (a.values.size() != n) bad(in, fmt::format("{} holds {} values, expected {}", path, a.values.size(), n));
  return a.values;
}

Observed read_observed(const H5Input& in, const std::string& id, std::size_t scenarios) {
  const std::string g = "/observed/" + id;
  Observed o;
  o.id = id;
  auto attr = [&](const char* name) { return in.text_attr(g, name).value_or(""); };
  o.label = attr("label");
  o.unit = attr("unit");
  o.source = attr("source");
  o.geography = attr("geography");
  o.mapping = attr("mapping");
  o.primary = in.number_attr(g, "primary").value_or(0) != 0;
  if (o.label.empty()) o.label = id;
  for (double y : in.numbers(g + "/year").values) o.years.push_back(static_cast<int>(y));
  const std::size_t n = o.years.size();
  o.value = column(in, g + "/value", n);
  o.lower = column(in, g + "/lower", n);
  o.upper = column(in, g + "/upper", n);
  o.model = column(in, g + "/model_quantiles", scenarios * 5 * n);
  return o;
}

}  // namespace

std::size_t Summary::statistic(const std::string& stat) const {
  const auto it = std::find(statistics.begin(), statistics.end(), stat);
  if (it == statistics.end()) throw std::runtime_error(fmt::format("summary {} has no statistic '{}'", name, stat));
  return static_cast<std::size_t>(it - statistics.begin());
}

double Summary::at(std::size_t s, std::size_t p, const std::string& stat) const {
  return values[(s * periods.size() + p) * statistics.size() + statistic(stat)];
}

const Summary& Forecast::summary(const std::string& name) const {
  const auto it = summaries.find(name);
  if (it == summaries.end()) {
    throw std::runtime_error(fmt::format("{}: no /summary/{} in the file", file.string(), name));
  }
  return it->second;
}

std::size_t Forecast::horizon_period() const { return summary("deaths_averted").periods.size() - 1; }

Forecast read_forecast(const std::filesystem::path& path) {
  const H5Input in(path);
  Forecast f;
  f.file = path;
  if (in.text_attr("/", "format").value_or("") != "averted-results") {
    bad(in, "not an Averted results file (root attribute format is not \"averted-results\")");
  }
  if (in.number_attr("/", "format_version").value_or(0) != 1) {
    bad(in, "results format version is not 1; this report reads version 1 (docs/results-format.md)");
  }
  if (in.number_attr("/", "complete").value_or(0) != 1) {
    bad(in, "the file is incomplete (complete != 1): finish the comparison with `averted compare ... --resume`");
  }
  if (!in.exists("/summary/deaths_averted")) {
    bad(in, "no comparison summaries (/summary/deaths_averted): the report needs a file made by `averted compare` "
            "(for example `averted compare baseline.yaml lever.yaml -r 5 --from 2026 --to 2030 -o results.h5`), "
            "not by `averted run`");
  }
  f.code_version = in.text_attr("/", "code_version").value_or("unknown");
  f.created_utc = in.text_attr("/", "created_utc").value_or("unknown");
  f.command_line = in.text_attr("/", "command_line").value_or("");
  f.host = in.text_attr("/", "host").value_or("");
  f.resume_history = in.text_list_attr("/", "resume_history");
  f.master_seed = static_cast<std::uint32_t>(in.number_attr("/", "master_seed").value_or(0));

  const auto names = in.texts("/layout/scenarios");
  for (std::size_t s = 0; s < names.size(); ++s) {
    const std::string g = "/provenance/scenarios/" + std::to_string(s);
    f.scenarios.push_back({names[s], in.text(g + "/file"), in.text(g + "/hash"), in.text(g + "/merged_yaml")});
  }
  for (const auto& name : in.members("/summary")) {
    if (in.text_list_attr("/summary/" + name, "dims").size() == 3 && name != "deaths_averted_pairs") {
      f.summaries.emplace(name, read_summary(in, name));
    }
  }
  const Summary& averted = f.summary("deaths_averted");
  if (averted.scenarios != names) bad(in, "/summary/deaths_averted does not list the scenarios of /layout/scenarios");
  f.horizon = averted.periods.back();
  if (std::sscanf(f.horizon.c_str(), "%d-%d", &f.from, &f.to) != 2) {
    bad(in, fmt::format("the last summary period '{}' is not a year range such as 2026-2030", f.horizon));
  }

  // Per-run tables.
  const ResultsReader reader(path);
  f.draws = reader.draws();
  f.replicates = reader.replicates();
  f.sampled_parameters = f.draws > 1 || f.command_line.find(" --draws") != std::string::npos ||
                         f.command_line.find(" -d ") != std::string::npos;
  f.averted_pairs = column(in, "/summary/deaths_averted_pairs", names.size() * f.draws * f.replicates);
  const std::vector<TableSpec> tables = {table_spec(in, "deaths"), table_spec(in, "people")};
  const TableSpec& deaths = tables[0];
  const TableSpec& people = tables[1];
  for (const auto& label : deaths.dims.front().labels) {
    if (f.years.empty() || f.years.back() != year_of(label)) f.years.push_back(year_of(label));
  }
  const std::size_t cause = dim_index(in, deaths, "cause"), age = dim_index(in, deaths, "age_band");
  const std::size_t state = dim_index(in, people, "state");
  f.by_cause = {"deaths", "cause", deaths.dims[cause].labels, {}};
  f.by_age = {"deaths", "age_band", deaths.dims[age].labels, {}};
  std::vector<std::size_t> kept_states;
  for (std::size_t k = 0; k < people.dims[state].labels.size(); ++k) {
    if (living_state(people.dims[state].labels[k])) {
      kept_states.push_back(k);
      f.states.push_back(people.dims[state].labels[k]);
    }
  }
  const std::size_t S = names.size(), Y = f.years.size(), runs = std::size_t{f.draws} * f.replicates;
  for (std::uint32_t s = 0; s < S; ++s) {
    std::vector<std::vector<double>> total(Y);  // [year][run]
    std::vector<double> cause_sum(f.by_cause.labels.size(), 0.0), age_sum(f.by_age.labels.size(), 0.0);
    std::vector<std::vector<double>> people_sum(kept_states.size(), std::vector<double>(Y, 0.0));
    for (std::uint32_t d = 0; d < f.draws; ++d) {
      for (std::uint32_t r = 0; r < f.replicates; ++r) {
        if (!reader.done(s, d, r)) bad(in, fmt::format("run ({}, {}, {}) is not marked done", s, d, r));
        const RunOutputs out = reader.read_run(tables, s, d, r);
        const std::vector<double> dc = as_doubles(out.tables[0]), pc = as_doubles(out.tables[1]);
        const auto per_year = by_year_and(deaths, dc, 0, f.years, false);
        const auto per_cause = by_year_and(deaths, dc, cause, f.years, false);
        const auto per_age = by_year_and(deaths, dc, age, f.years, false);
        const auto per_state = by_year_and(people, pc, state, f.years, true);
        for (std::size_t y = 0; y < Y; ++y) {
          total[y].push_back(per_year[y][0]);
          if (f.years[y] >= f.from && f.years[y] <= f.to) {
            for (std::size_t c = 0; c < cause_sum.size(); ++c) cause_sum[c] += per_cause[y][c];
            for (std::size_t a = 0; a < age_sum.size(); ++a) age_sum[a] += per_age[y][a];
          }
          for (std::size_t k = 0; k < kept_states.size(); ++k) people_sum[k][y] += per_state[y][kept_states[k]];
        }
      }
    }
    std::array<std::vector<double>, 5> bands;
    for (std::size_t q = 0; q < 5; ++q) {
      for (std::size_t y = 0; y < Y; ++y) bands[q].push_back(quantile(total[y], kBandQuantiles[q]));
    }
    f.deaths_bands.push_back(std::move(bands));
    for (auto& x : cause_sum) x /= static_cast<double>(runs);
    for (auto& x : age_sum) x /= static_cast<double>(runs);
    for (auto& row : people_sum) {
      for (auto& x : row) x /= static_cast<double>(runs);
    }
    f.by_cause.mean.push_back(std::move(cause_sum));
    f.by_age.mean.push_back(std::move(age_sum));
    f.people.push_back(std::move(people_sum));
  }

  // Calibration (files from a calibrated forecast only).
  if (in.exists("/observed")) {
    for (const auto& id : in.members("/observed")) f.observed.push_back(read_observed(in, id, S));
    std::stable_partition(f.observed.begin(), f.observed.end(), [](const Observed& o) { return o.primary; });
  }
  if (in.exists("/calibration")) {
    Calibration c;
    for (const char* a : {"method", "posterior", "posterior_hash", "until_year", "targets_file", "targets_hash"}) {
      try {  // text, or a number such as until_year
        if (const auto v = in.text_attr("/calibration", a)) c.attrs[a] = *v;
      } catch (const std::runtime_error&) {
        if (const auto x = in.number_attr("/calibration", a)) c.attrs[a] = fmt::format("{}", *x);
      }
    }
    c.series = in.texts("/calibration/series");
    c.mape = column(in, "/calibration/mape", c.series.size());
    c.coverage95 = column(in, "/calibration/coverage95", c.series.size());
    for (double n : column(in, "/calibration/n_years", c.series.size())) c.n_years.push_back(static_cast<int>(n));
    f.calibration = std::move(c);
  }
  return f;
}

}  // namespace averted::report
