// Back-tests: the forecast of the years after the fit, scored against what was
// observed, next to two naive forecasts (docs/calibration.md, "Back-tests").
#pragma once

#include <string>
#include <vector>

#include "calibration/targets.hpp"

namespace averted::calibration {

// A forecast of one series' later years: point and 95% interval per year.
struct Forecast {
  std::vector<double> point, lower, upper;
};

// Last value carried forward: the last observation up to `until`; interval
// +-1.96 sd(year-on-year changes) sqrt(years ahead) (a random walk), NaN with fewer
// than two consecutive-year changes.
Forecast last_value_forecast(const Target& t, int until, const std::vector<int>& years);
// Least-squares line through the last 5 observations up to `until`, with its 95%
// prediction interval (Student t, n - 2 degrees of freedom); NaN with fewer than 3.
Forecast linear_trend_forecast(const Target& t, int until, const std::vector<int>& years);

struct Score {
  double mape = 0;      // percent
  double coverage = 0;  // share of observations inside the 95% interval (NaN without intervals)
};
Score score(const std::vector<double>& observed, const Forecast& f);

struct SeriesBacktest {
  std::string id;
  bool primary = false;
  std::vector<int> years;  // observed after `until`
  std::vector<double> observed;
  Forecast model, last_value, trend;
  Score model_score, last_value_score, trend_score;
};

// `draws[k]` holds the model's counterparts of every observation of `targets` for
// model run k (posterior draws x replicates); the forecast is their median and 95%
// range. Series with no observation after `until` are left out.
std::vector<SeriesBacktest> backtest(const TargetSet& targets, int until, const std::vector<std::vector<double>>& draws);

// The table printed by `averted backtest` and the CSV written beside it.
std::string backtest_table(const std::vector<SeriesBacktest>& results, int until);
std::string backtest_csv(const std::vector<SeriesBacktest>& results);

}  // namespace averted::calibration
