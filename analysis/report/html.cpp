#include "report/html.hpp"

#include <cmath>

#include <fmt/format.h>

namespace averted::report {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// An integer with thousands separators: -1234567 -> "-1,234,567".
std::string grouped(long long n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace

std::string rounded(double x, Style style) {
  if (std::isnan(x)) return "-";
  switch (style) {
    case Style::Count:
      return grouped(std::llround(x));
    case Style::Money: {
      const std::string sign = x < 0 ? "-" : "";
      const double a = std::fabs(x);
      if (std::llround(a / 1e5) >= 10) {  // a million or more, once rounded
        return fmt::format("{}£{:.{}f}m", sign, a / 1e6, a >= 99.95e6 ? 0 : 1);
      }
      return sign + "£" + grouped(std::llround(a / 100) * 100);
    }
    case Style::Percent:
      return fmt::format("{:.1f}%", 100 * x);
    case Style::Plain:
      return std::to_string(std::llround(x));
    case Style::Value: {
      if (std::fabs(x) >= 99.5) return grouped(std::llround(x));
      if (x == 0) return "0";
      const int decimals = std::max(0, 2 - static_cast<int>(std::floor(std::log10(std::fabs(x)))));
      return fmt::format("{:.{}f}", x, decimals);
    }
  }
  return "";
}

std::string number(double x, Style style, const std::string& source) {
  if (std::isnan(x)) return "-";
  return fmt::format("<data value=\"{:.17g}\" data-src=\"{}\" class=\"{}\">{}</data>", x, escape(source),
                     style == Style::Money ? "money" : style == Style::Percent ? "pct" : "num", rounded(x, style));
}

std::string page(const std::string& title, const std::string& body) {
  static const char* css = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#111;
 max-width:60rem;margin:0 auto;padding:1rem 1.5rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #333}
h3{font-size:1.05rem;margin-bottom:.3rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.82rem}
td code{word-break:break-word}
th,td{border:1px solid #999;padding:.2rem .45rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right}td.n{white-space:nowrap}
table.changes td{overflow-wrap:anywhere}table.changes td:first-child{min-width:14rem}small{color:#444}
thead th{background:#e8e8e8}
.lead{font-size:1.05rem}.note{color:#333;font-size:.9rem}
.assumption{border-left:4px solid #b35806;background:#fdf3e7;padding:.2rem .9rem;margin:1rem 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(19rem,1fr));gap:.6rem 1rem}
figure{margin:.5rem 0 1rem;break-inside:avoid}figcaption{font-size:.85rem;color:#333}
svg{max-width:100%;height:auto;font-family:inherit}
details{margin:.2rem 0 1rem}summary{cursor:pointer;color:#333;font-size:.9rem}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.85rem}
pre{white-space:pre-wrap;background:#f4f4f4;padding:.5rem}
.key{display:inline-block;width:1.4em;height:.8em;border:1px solid #333;vertical-align:middle;margin-right:.3em}
@media print{body{max-width:none;padding:0}details{display:block}h2{break-after:avoid}}
)";
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
      escape(title), css, body);
}

}  // namespace averted::report
