// Pieces shared by the forecast report and the comparison report.
#pragma once

#include <string>
#include <vector>

namespace averted::report {

struct Forecast;
struct Change;

// <figure class="chart" id=...> around an SVG, with an optional caption (HTML).
std::string figure(const std::string& id, const std::string& svg, const std::string& caption_html);
// A collapsed <details> block (printed open).
std::string details(const std::string& summary, const std::string& html);
// The key to the fan charts' bands and lines, as HTML.
std::string fan_legend(bool with_reference, bool with_points);
// The table of changed settings between two scenarios named `before` and `after`.
std::string changes_table(const std::vector<Change>& changes, const std::string& before, const std::string& after);
// For results of local-area scenarios: which values are each area's own (with file and
// line) and which are England's defaults, from the stored merged settings. "" when no
// scenario is of a local area.
std::string local_area_section(const Forecast& f);
// Code version, dates, seeds, grid and every scenario's file and hash. `id_suffix`
// keeps element ids unique when a page holds two forecasts.
std::string provenance_section(const Forecast& f, const std::string& heading = "Provenance",
                               const std::string& id_suffix = "");

}  // namespace averted::report
