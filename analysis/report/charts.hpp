// Inline SVG charts for the report. Every chart has a title for screen readers, units
// on its axes, and colours whose lightness alone tells the series apart (they survive
// greyscale printing): bands light to dark, lines solid, dashed or dotted.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace averted::report {

// Points with 95% intervals (observed data), drawn over a fan chart.
struct Points {
  std::string label, unit;
  std::vector<int> years;
  std::vector<double> value, lower, upper;
};

struct FanChart {
  std::string title, y_label;  // y_label includes the unit: "deaths per year"
  std::vector<int> years;
  std::array<std::vector<double>, 5> bands;  // 2.5, 25, 50, 75, 97.5% per year
  std::vector<double> reference;             // optional dashed line (e.g. the comparator's median)
  std::string reference_label;
  std::optional<Points> points;  // drawn on the same axis when same_axis, else on a right-hand axis
  bool same_axis = true;
  int width = 340, height = 230;
};
std::string fan_chart(const FanChart& c);

struct IntervalRow {
  std::string label;
  double mean, lower, upper;
};
// A dot at the mean and a line across the 95% interval for each row, with a line at zero.
std::string interval_chart(const std::string& title, const std::vector<IntervalRow>& rows, const std::string& x_label);

// One horizontal bar per row, split into segments (light to dark in segment order).
std::string stacked_bars(const std::string& title, const std::vector<std::string>& rows,
                         const std::vector<std::string>& segments, const std::vector<std::vector<double>>& values,
                         const std::string& x_label);

// Areas stacked over years, one per series (light to dark in series order).
std::string stacked_area(const std::string& title, const std::vector<int>& years,
                         const std::vector<std::string>& series, const std::vector<std::vector<double>>& values,
                         const std::string& y_label);

// Fill colour k of n, from dark to light with evenly spaced lightness.
std::string shade(std::size_t k, std::size_t n);

}  // namespace averted::report
