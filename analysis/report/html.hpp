// HTML building blocks of the report: escaping, numbers for readers, the page.
#pragma once

#include <string>
#include <string_view>

namespace averted::report {

// Text for HTML content or a quoted attribute: & < > " ' escaped.
std::string escape(std::string_view text);

enum class Style {
  Count,    // whole numbers with thousands separators: 1,826
  Money,    // pounds: £11,000 under a million (to the nearest £100), £2.7m above
  Percent,  // a fraction shown as a percentage with one decimal: 0.953 -> 95.3%
  Value,    // an observed value: whole numbers from 100, else three significant figures
  Plain,    // a whole number without separators (seeds, counts of runs)
};

// The text a reader sees for x ("-" for NaN).
std::string rounded(double x, Style style);

// A number for readers: the rounded text inside <data value="exact" data-src="where">,
// so that every number can be checked against the results file (tests/report/ does:
// `source` says where in the file the value is, see docs/report.md).
std::string number(double x, Style style, const std::string& source);

// A complete HTML document (UTF-8, inline stylesheet, no scripts, fonts or links out).
std::string page(const std::string& title, const std::string& body);

}  // namespace averted::report
