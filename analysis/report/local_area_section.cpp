// The report's "Local area" section: for each scenario of a local area (local_area.name
// set), the values that are the area's own, with the file and line that set them, and the
// settings left at England's defaults. The values come from each scenario's merged YAML
// in the results file; they are settings, not results, so they are not <data> numbers.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "model/local_area.hpp"
#include "model/parameters.hpp"
#include "report/forecast.hpp"
#include "report/html.hpp"
#include "report/sections.hpp"
#include "report/settings.hpp"

namespace averted::report {
namespace {

// The base-most file of the scenario's chain ("" for a scenario of one file), from the
// merged YAML's "# files, base first: a b c" line.
std::string national_file(const std::string& merged_yaml) {
  const std::string marker = "\n# files, base first: ";
  const std::size_t at = merged_yaml.find(marker);
  if (at == std::string::npos) return {};
  const std::size_t start = at + marker.size();
  return merged_yaml.substr(start, merged_yaml.find_first_of(" \n", start) - start);
}

// "scenarios/local/blackpool.yaml:21" -> "scenarios/local/blackpool.yaml".
std::string file_of(const std::string& origin) {
  const std::size_t colon = origin.rfind(':');
  return colon == std::string::npos ? origin : origin.substr(0, colon);
}

std::string setting_rows(const std::vector<std::pair<std::string, SettingText>>& list) {
  if (list.empty()) return "<p>None.</p>\n";
  const ParamTable& table = standard_parameters();
  std::string out = "<table class=\"changes\"><thead><tr><th>Setting</th><th>Value</th><th>Set in</th></tr></thead>"
                    "<tbody>\n";
  for (const auto& [path, s] : list) {
    const ParamSpec* spec = table.find(path);
    out += fmt::format("<tr><td><code>{}</code>{}</td><td><code>{}</code>{}</td><td>{}</td></tr>\n", escape(path),
                       spec ? "<br>" + escape(spec->description) : std::string(),
                       escape(readable_value(path, s.value)),
                       spec && !spec->unit.empty() ? " " + escape(spec->unit) : std::string(),
                       s.origin.empty() ? std::string("model default") : "<code>" + escape(s.origin) + "</code>");
  }
  return out + "</tbody></table>\n";
}

}  // namespace

std::string local_area_section(const Forecast& f) {
  std::string body;
  std::vector<std::string> areas;
  for (const auto& scenario : f.scenarios) {
    const auto settings = settings_of(scenario.merged_yaml);
    const auto name = settings.find("local_area.name");
    if (name == settings.end() || plain_text(name->second.value).empty()) continue;
    const std::string area = plain_text(name->second.value);
    if (std::find(areas.begin(), areas.end(), area) == areas.end()) areas.push_back(area);
    const std::string national = national_file(scenario.merged_yaml);
    std::vector<std::pair<std::string, SettingText>> own, england;
    for (const auto& [path, s] : settings) {
      if (is_run_setting(path)) continue;
      (is_area_setting(path, file_of(s.origin), national) ? own : england).emplace_back(path, s);
    }
    body += fmt::format("<h3>{} ({})</h3>\n<p>The area's own values: {} setting(s), set in the area's files.</p>\n",
                        escape(scenario.name), escape(area), own.size());
    body += setting_rows(own);
    body += details(fmt::format("England's defaults: the other {} settings{}", england.size(),
                                national.empty() ? std::string() : " (from " + national + " or the model's defaults)"),
                    setting_rows(england));
  }
  if (body.empty()) return {};
  return fmt::format(
      "<h2 id=\"local-area\">Local area: {}</h2>\n<p>These results are for the area's own people: the model "
      "simulates England's cohort scaled to the area's figures below (its users, age profile, share in "
      "treatment and prison releases). Every setting the area's files do not give is England's default, so "
      "a result is only as local as the values in the first table of each scenario; the rest are national "
      "averages. The values are the scenarios' settings as stored in the results file, not results.</p>\n{}",
      escape(fmt::format("{}", fmt::join(areas, ", "))), body);
}

}  // namespace averted::report
