#include "report/charts.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "report/html.hpp"

namespace averted::report {
namespace {

constexpr const char* kBand95 = "#c9d7e8";  // light
constexpr const char* kBand50 = "#7f9fc4";  // middle
constexpr const char* kMedian = "#0b2e59";  // dark

// Round numbers for an axis from lo to hi: about `target` ticks at 1, 2 or 5 x 10^k.
std::vector<double> ticks(double lo, double hi, int target = 5) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  std::vector<double> out;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) out.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  return out;
}

std::string tick_label(double v, double step) {
  if (std::fabs(step) >= 1 || v == 0) return rounded(v, Style::Count);
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step))));
  return fmt::format("{:.{}f}", v, decimals);
}

// The plotting area of a chart and its scales.
struct Frame {
  double left, top, width, height;
  double xmin, xmax, ymin, ymax;
  double x(double v) const { return left + (v - xmin) / (xmax - xmin) * width; }
  double y(double v) const { return top + height - (v - ymin) / (ymax - ymin) * height; }
};

// Expands [lo, hi] to the outer ticks, keeping 0 in view for amounts that start at 0.
std::pair<double, double> nice_range(double lo, double hi, bool include_zero) {
  if (include_zero) {
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
  }
  if (!(hi > lo)) hi = lo + 1;
  const auto t = ticks(lo, hi);
  const double step = t.size() > 1 ? t[1] - t[0] : 1;
  return {std::floor(lo / step + 1e-9) * step, std::ceil(hi / step - 1e-9) * step};
}

std::string open_svg(int w, int h, const std::string& title) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" role=\"img\" "
      "font-size=\"11\"><title>{2}</title>\n<text x=\"4\" y=\"14\" font-size=\"12.5\" font-weight=\"bold\">{2}</text>\n",
      w, h, escape(title));
}

std::string y_axis(const Frame& f, const std::string& label, bool right = false) {
  std::string out;
  const auto t = ticks(f.ymin, f.ymax);
  const double step = t.size() > 1 ? t[1] - t[0] : 1;
  const double x = right ? f.left + f.width : f.left;
  for (double v : t) {
    if (!right) {
      out += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>", f.left,
                         f.left + f.width, f.y(v), f.y(v));
    }
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{}</text>", right ? x + 4 : x - 4,
                       f.y(v) + 3.5, right ? "start" : "end", tick_label(v, step));
  }
  const double lx = right ? f.left + f.width + 44 : 12;
  out += fmt::format("<text transform=\"translate({:.1f},{:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n", lx,
                     f.top + f.height / 2, escape(label));
  return out;
}

std::string x_axis_years(const Frame& f) {
  std::string out = fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#333\"/>", f.left,
                                f.left + f.width, f.top + f.height, f.top + f.height);
  for (double v : ticks(f.xmin, f.xmax, 4)) {
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:.0f}</text>", f.x(v),
                       f.top + f.height + 13, v);
  }
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">calendar year</text>\n",
                     f.left + f.width / 2, f.top + f.height + 27);
  return out;
}

std::string polyline(const Frame& f, const std::vector<int>& xs, const std::vector<double>& ys) {
  std::string d;
  for (std::size_t i = 0; i < xs.size(); ++i) d += fmt::format("{}{:.1f},{:.1f}", i ? " L" : "M", f.x(xs[i]), f.y(ys[i]));
  return d;
}

std::string band(const Frame& f, const std::vector<int>& xs, const std::vector<double>& lo, const std::vector<double>& hi) {
  std::string d = polyline(f, xs, hi);
  for (std::size_t i = xs.size(); i-- > 0;) d += fmt::format(" L{:.1f},{:.1f}", f.x(xs[i]), f.y(lo[i]));
  return d + " Z";
}

std::pair<double, double> extent(std::initializer_list<const std::vector<double>*> series) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto* s : series) {
    for (double v : *s) {
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  }
  if (!std::isfinite(lo)) return {0, 1};
  return {lo, hi};
}


// Room for the longest row label at the charts' 11-unit font (about 6 units a character).
int label_width(const std::vector<std::string>& labels) {
  std::size_t longest = 0;
  for (const auto& l : labels) longest = std::max(longest, l.size());
  return static_cast<int>(std::clamp<std::size_t>(16 + 6 * longest, 120, 360));
}

// Legend swatches in rows under the title, as many columns as the longest label allows.
std::size_t legend_columns(const std::vector<std::string>& labels, int width) {
  std::size_t longest = 1;
  for (const auto& l : labels) longest = std::max(longest, l.size());
  return std::max<std::size_t>(1, static_cast<std::size_t>(width - 16) / (24 + 6 * longest));
}

int legend_height(const std::vector<std::string>& labels, int width) {
  const std::size_t cols = legend_columns(labels, width);
  return 18 * static_cast<int>((labels.size() + cols - 1) / cols);
}


std::string legend(const std::vector<std::string>& labels, int width) {
  const std::size_t cols = legend_columns(labels, width);
  const double col_w = static_cast<double>(width - 16) / static_cast<double>(cols);
  std::string out;
  for (std::size_t k = 0; k < labels.size(); ++k) {
    const double x = 8 + col_w * static_cast<double>(k % cols), y = 24 + 18.0 * static_cast<double>(k / cols);
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"14\" height=\"10\" fill=\"{}\" stroke=\"#333\"/>"
                       "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>",
                       x, y + 2, shade(k, labels.size()), x + 18, y + 11, escape(labels[k]));
  }
  return out;
}

}  // namespace

std::string shade(std::size_t k, std::size_t n) {
  // cividis (Nunez et al. 2018): lightness rises steadily from dark blue to yellow.
  static const double stops[5][3] = {{0, 34, 78}, {65, 77, 107}, {124, 123, 120}, {188, 175, 111}, {254, 232, 56}};
  const double t = n <= 1 ? 0.0 : 0.95 * static_cast<double>(k) / static_cast<double>(n - 1);
  const double pos = t * 4;
  const auto i = std::min<std::size_t>(3, static_cast<std::size_t>(pos));
  const double w = pos - static_cast<double>(i);
  int rgb[3];
  for (int c = 0; c < 3; ++c) rgb[c] = static_cast<int>(std::lround(stops[i][c] * (1 - w) + stops[i + 1][c] * w));
  return fmt::format("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
}

std::string fan_chart(const FanChart& c) {
  const bool right_axis = c.points && !c.same_axis;
  Frame f{58, 24, static_cast<double>(c.width) - 58 - (right_axis ? 58 : 18), static_cast<double>(c.height) - 24 - 34,
          static_cast<double>(c.years.front()), static_cast<double>(c.years.back()), 0, 1};
  if (c.points && c.points->years.size()) {
    f.xmin = std::min(f.xmin, static_cast<double>(c.points->years.front()));
    f.xmax = std::max(f.xmax, static_cast<double>(c.points->years.back()));
  }
  auto [lo, hi] = extent({&c.bands[0], &c.bands[4], &c.reference});
  if (c.points && c.same_axis) {
    const auto [plo, phi] = extent({&c.points->lower, &c.points->upper, &c.points->value});
    lo = std::min(lo, plo);
    hi = std::max(hi, phi);
  }
  // Not from zero: the bands (the uncertainty) would be too thin to see next to the level.
  std::tie(f.ymin, f.ymax) = nice_range(lo, hi, false);
  std::string out = open_svg(c.width, c.height, c.title);
  out += y_axis(f, c.y_label);
  out += fmt::format("<path d=\"{}\" fill=\"{}\"/>", band(f, c.years, c.bands[0], c.bands[4]), kBand95);
  out += fmt::format("<path d=\"{}\" fill=\"{}\"/>", band(f, c.years, c.bands[1], c.bands[3]), kBand50);
  out += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>", polyline(f, c.years, c.bands[2]),
                     kMedian);
  if (!c.reference.empty()) {
    out += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.3\" stroke-dasharray=\"5 3\"/>",
                       polyline(f, c.years, c.reference));
  }
  if (c.points) {
    Frame g = f;
    if (right_axis) {
      const auto [plo, phi] = extent({&c.points->lower, &c.points->upper, &c.points->value});
      std::tie(g.ymin, g.ymax) = nice_range(plo, phi, false);
      out += y_axis(g, c.points->unit, true);
    }
    for (std::size_t i = 0; i < c.points->years.size(); ++i) {
      const double x = g.x(c.points->years[i]);
      if (std::isfinite(c.points->lower[i]) && std::isfinite(c.points->upper[i])) {
        out += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\" stroke=\"#000\"/>", x,
                           g.y(c.points->lower[i]), g.y(c.points->upper[i]));
      }
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.6\" fill=\"#000\"/>", x, g.y(c.points->value[i]));
    }
  }
  out += x_axis_years(f);
  return out + "</svg>";
}

std::string interval_chart(const std::string& title, const std::vector<IntervalRow>& rows, const std::string& x_label) {
  std::vector<std::string> labels;
  for (const auto& r : rows) labels.push_back(r.label);
  const int row_h = 20, label_w = label_width(labels), w = 680;
  const int h = 24 + row_h * static_cast<int>(rows.size()) + 40;
  double lo = 0, hi = 0;
  for (const auto& r : rows) {
    for (double v : {r.lower, r.upper, r.mean}) {
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  }
  Frame f{static_cast<double>(label_w), 24, static_cast<double>(w - label_w - 30),
          static_cast<double>(row_h * rows.size()), 0, 1, 0, 1};
  std::tie(f.xmin, f.xmax) = nice_range(lo, hi, true);
  std::string out = open_svg(w, h, title);
  const auto t = ticks(f.xmin, f.xmax);
  const double step = t.size() > 1 ? t[1] - t[0] : 1;
  for (double v : t) {
    out += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\"/>"
                       "<text x=\"{0:.1f}\" y=\"{4:.1f}\" text-anchor=\"middle\">{5}</text>",
                       f.x(v), f.top, f.top + f.height, v == 0 ? "#000" : "#ddd", f.top + f.height + 13,
                       tick_label(v, step));
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double y = f.top + row_h * (i + 0.5);
    const auto& r = rows[i];
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", f.left - 8, y + 4,
                       escape(r.label));
    if (std::isfinite(r.lower) && std::isfinite(r.upper)) {
      out += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"3\"/>",
                         f.x(r.lower), f.x(r.upper), y, y, kBand50);
    }
    if (std::isfinite(r.mean)) {
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"{}\"/>", f.x(r.mean), y, kMedian);
    }
  }
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", f.left + f.width / 2,
                     f.top + f.height + 28, escape(x_label));
  return out + "</svg>";
}

std::string stacked_bars(const std::string& title, const std::vector<std::string>& rows,
                         const std::vector<std::string>& segments, const std::vector<std::vector<double>>& values,
                         const std::string& x_label) {
  const int row_h = 18, label_w = label_width(rows), w = 680, legend_h = legend_height(segments, w);
  const int h = 24 + legend_h + row_h * static_cast<int>(rows.size()) + 40;
  double hi = 0;
  for (const auto& row : values) {
    double s = 0;
    for (double v : row) s += std::max(v, 0.0);
    hi = std::max(hi, s);
  }
  Frame f{static_cast<double>(label_w), 24.0 + legend_h, static_cast<double>(w - label_w - 30),
          static_cast<double>(row_h * rows.size()), 0, 1, 0, 1};
  std::tie(f.xmin, f.xmax) = nice_range(0, hi, true);
  std::string out = open_svg(w, h, title) + legend(segments, w);
  const auto t = ticks(f.xmin, f.xmax);
  const double step = t.size() > 1 ? t[1] - t[0] : 1;
  for (double v : t) {
    out += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>",
                       f.x(v), f.top, f.top + f.height, f.top + f.height + 13, tick_label(v, step));
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double y = f.top + row_h * static_cast<double>(i);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", f.left - 8, y + row_h / 2.0 + 4,
                       escape(rows[i]));
    double x = 0;
    for (std::size_t k = 0; k < segments.size(); ++k) {
      const double v = std::max(values[i][k], 0.0);
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\" stroke=\"#fff\" "
                         "stroke-width=\"0.5\"/>",
                         f.x(x), y + 2, f.x(x + v) - f.x(x), row_h - 4, shade(k, segments.size()));
      x += v;
    }
  }
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", f.left + f.width / 2,
                     f.top + f.height + 28, escape(x_label));
  return out + "</svg>";
}

std::string stacked_area(const std::string& title, const std::vector<int>& years,
                         const std::vector<std::string>& series, const std::vector<std::vector<double>>& values,
                         const std::string& y_label) {
  const int w = 680, legend_h = legend_height(series, w), h = 300 + legend_h;
  std::vector<std::vector<double>> top(series.size(), std::vector<double>(years.size(), 0.0));
  for (std::size_t k = 0; k < series.size(); ++k) {
    for (std::size_t y = 0; y < years.size(); ++y) top[k][y] = (k ? top[k - 1][y] : 0.0) + std::max(values[k][y], 0.0);
  }
  const double hi = series.empty() ? 1 : *std::max_element(top.back().begin(), top.back().end());
  Frame f{70, 24.0 + legend_h, static_cast<double>(w - 70 - 20), static_cast<double>(h - 24 - legend_h - 34),
          static_cast<double>(years.front()), static_cast<double>(years.back()), 0, 1};
  std::tie(f.ymin, f.ymax) = nice_range(0, hi, true);
  std::string out = open_svg(w, h, title) + legend(series, w);
  out += y_axis(f, y_label);
  const std::vector<double> zero(years.size(), 0.0);
  for (std::size_t k = 0; k < series.size(); ++k) {
    out += fmt::format("<path d=\"{}\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"0.5\"/>",
                       band(f, years, k ? top[k - 1] : zero, top[k]), shade(k, series.size()));
  }
  out += x_axis_years(f);
  return out + "</svg>";
}

}  // namespace averted::report
