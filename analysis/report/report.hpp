// `averted report`: a self-contained HTML (or PDF) report of a forecast, or of two
// forecasts side by side, for funders and commissioners. See docs/report.md.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "report/attribution.hpp"

namespace averted::report {

struct Forecast;

// The report of one forecast as a complete HTML document.
std::string forecast_html(const Forecast& f);
// The comparator's overdose period trend in words: over which years it applies, whether
// it was fitted, the observed rise it stands for, and what the forecast assumes after it.
// "" when there is no trend (factor 1, not calibrated).
std::string trend_assumption(const Forecast& f);
// Two forecasts side by side: the headline of each, where their assumptions differ,
// and (when given, from attribute()) how much each difference moves the answer.
std::string comparison_html(const Forecast& a, const Forecast& b, const std::vector<Attribution>& attribution = {});
// Scenarios of A and B matched by name: (index in A, index in B), comparators excluded.
std::vector<std::pair<std::size_t, std::size_t>> matched_scenarios(const Forecast& a, const Forecast& b);
// Every setting that differs between A's and B's comparators or matched scenarios.
std::vector<std::string> differing_settings(const Forecast& a, const Forecast& b);

// Writes `html` to `output` (HTML, or PDF through headless Chromium when `output` ends
// in .pdf) without ever leaving a half-written file under that name: the text goes to
// "<output>.partial" first and is renamed when complete. Throws std::runtime_error
// (with what to do) if Chromium is needed and not installed, or if writing fails.
void write_report(const std::string& html, const std::filesystem::path& output);

// Label helpers shared by both reports: "drug_poisoning" -> "Drug poisoning".
std::string readable(const std::string& label);

}  // namespace averted::report
