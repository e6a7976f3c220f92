#include "calibration/backtest.hpp"

#include <cmath>
#include <limits>

#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>

#include "uncertainty/compare.hpp"

namespace averted::calibration {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kZ95 = 1.959963984540054;

// Indices of the observations up to `until`.
std::vector<std::size_t> fitted(const Target& t, int until) {
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < t.years.size(); ++k) {
    if (t.years[k] <= until) out.push_back(k);
  }
  return out;
}

std::string num(double x) { return std::isfinite(x) ? fmt::format("{:.1f}", x) : "-"; }

}  // namespace

Forecast last_value_forecast(const Target& t, int until, const std::vector<int>& years) {
  const auto fit = fitted(t, until);
  Forecast f;
  if (fit.empty()) {
    f.point.assign(years.size(), kNaN), f.lower = f.point, f.upper = f.point;
    return f;
  }
  const std::size_t last = fit.back();
  double sum = 0, sum2 = 0;
  int n = 0;
  for (std::size_t i = 1; i < fit.size(); ++i) {
    if (t.years[fit[i]] != t.years[fit[i - 1]] + 1) continue;
    const double d = t.value[fit[i]] - t.value[fit[i - 1]];
    sum += d, sum2 += d * d, ++n;
  }
  const double sd = n >= 2 ? std::sqrt((sum2 - sum * sum / n) / (n - 1)) : kNaN;
  for (const int y : years) {
    const double h = y - t.years[last];
    f.point.push_back(t.value[last]);
    f.lower.push_back(t.value[last] - kZ95 * sd * std::sqrt(h));
    f.upper.push_back(t.value[last] + kZ95 * sd * std::sqrt(h));
  }
  return f;
}

Forecast linear_trend_forecast(const Target& t, int until, const std::vector<int>& years) {
  auto fit = fitted(t, until);
  if (fit.size() > 5) fit.erase(fit.begin(), fit.end() - 5);
  Forecast f;
  const double n = static_cast<double>(fit.size());
  if (fit.size() < 3) {
    f.point.assign(years.size(), kNaN), f.lower = f.point, f.upper = f.point;
    return f;
  }
  double mx = 0, my = 0;
  for (const auto k : fit) mx += t.years[k] / n, my += t.value[k] / n;
  double sxx = 0, sxy = 0;
  for (const auto k : fit) sxx += (t.years[k] - mx) * (t.years[k] - mx), sxy += (t.years[k] - mx) * (t.value[k] - my);
  const double b = sxy / sxx, a = my - b * mx;
  double sse = 0;
  for (const auto k : fit) sse += std::pow(t.value[k] - (a + b * t.years[k]), 2);
  const double s = std::sqrt(sse / (n - 2));
  const double tq = boost::math::quantile(boost::math::students_t(n - 2), 0.975);
  for (const int y : years) {
    const double p = a + b * y, half = tq * s * std::sqrt(1 + 1 / n + (y - mx) * (y - mx) / sxx);
    f.point.push_back(p), f.lower.push_back(p - half), f.upper.push_back(p + half);
  }
  return f;
}

Score score(const std::vector<double>& observed, const Forecast& f) {
  Score s;
  double ape = 0;
  int inside = 0, with_interval = 0, n = 0;
  for (std::size_t k = 0; k < observed.size(); ++k) {
    if (!std::isfinite(f.point[k]) || observed[k] == 0) continue;
    ape += std::abs(f.point[k] - observed[k]) / std::abs(observed[k]), ++n;
    if (std::isfinite(f.lower[k]) && std::isfinite(f.upper[k])) {
      ++with_interval;
      inside += observed[k] >= f.lower[k] && observed[k] <= f.upper[k];
    }
  }
  s.mape = n ? 100 * ape / n : kNaN;
  s.coverage = with_interval ? static_cast<double>(inside) / with_interval : kNaN;
  return s;
}

std::vector<SeriesBacktest> backtest(const TargetSet& targets, int until, const std::vector<std::vector<double>>& draws) {
  std::vector<SeriesBacktest> out;
  std::size_t offset = 0;
  for (const auto& t : targets.targets) {
    SeriesBacktest b;
    b.id = t.id;
    b.primary = t.primary;
    for (std::size_t k = 0; k < t.years.size(); ++k) {
      if (t.years[k] <= until) continue;
      b.years.push_back(t.years[k]);
      b.observed.push_back(t.value[k]);
      std::vector<double> v;
      for (const auto& d : draws) {
        if (std::isfinite(d[offset + k])) v.push_back(d[offset + k]);
      }
      b.model.point.push_back(v.empty() ? kNaN : quantile(v, 0.5));
      b.model.lower.push_back(v.empty() ? kNaN : quantile(v, 0.025));
      b.model.upper.push_back(v.empty() ? kNaN : quantile(v, 0.975));
    }
    offset += t.years.size();
    if (b.years.empty()) continue;
    b.last_value = last_value_forecast(t, until, b.years);
    b.trend = linear_trend_forecast(t, until, b.years);
    b.model_score = score(b.observed, b.model);
    b.last_value_score = score(b.observed, b.last_value);
    b.trend_score = score(b.observed, b.trend);
    out.push_back(std::move(b));
  }
  return out;
}

std::string backtest_table(const std::vector<SeriesBacktest>& results, int until) {
  std::string out = fmt::format(
      "Back-test: fitted to data up to {}, forecast scored on the later years\n"
      "{:<40} {:>9}  {:>16}  {:>16}  {:>16}\n{:<40} {:>9}  {:>16}  {:>16}  {:>16}\n",
      until, "series", "years", "model", "last value", "5-year trend", "", "", "MAPE% cover95", "MAPE% cover95",
      "MAPE% cover95");
  for (const auto& b : results) {
    auto cell = [](const Score& s) {
      return fmt::format("{:>7} {:>8}", num(s.mape), std::isfinite(s.coverage) ? fmt::format("{:.0f}%", 100 * s.coverage) : "-");
    };
    out += fmt::format("{:<40} {:>4}-{:<4}  {}  {}  {}\n", b.id + (b.primary ? " *" : ""), b.years.front(), b.years.back(),
                       cell(b.model_score), cell(b.last_value_score), cell(b.trend_score));
  }
  out += "(* primary series; cover95: share of the later observations inside the forecast's 95% interval)\n";
  return out;
}

std::string backtest_csv(const std::vector<SeriesBacktest>& results) {
  std::string out = "series,year,observed,model_median,model_lower_95,model_upper_95,last_value,last_value_lower_95,"
                    "last_value_upper_95,trend,trend_lower_95,trend_upper_95\n";
  auto v = [](double x) { return std::isfinite(x) ? fmt::format("{:.10g}", x) : std::string(); };
  for (const auto& b : results) {
    for (std::size_t k = 0; k < b.years.size(); ++k) {
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", b.id, b.years[k], v(b.observed[k]), v(b.model.point[k]),
                         v(b.model.lower[k]), v(b.model.upper[k]), v(b.last_value.point[k]), v(b.last_value.lower[k]),
                         v(b.last_value.upper[k]), v(b.trend.point[k]), v(b.trend.lower[k]), v(b.trend.upper[k]));
    }
  }
  return out;
}

}  // namespace averted::calibration
