// The report's "Local area" section: for each scenario of a local area (local_area.name
// set), the values that are the area's own and the choices of a scenario extending the
// area's file (a lever for the area), with the file and line that set them, and the
// settings left at England's defaults. The values come from each scenario's merged YAML
// in the results file; they are settings, not results, so they are not <data> numbers.
#include <algorithm>
#include <sstream>

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

// The scenario's chain of files, base first, from the merged YAML's "# files, base
// first: a b c" line (empty when there is none).
std::vector<std::string> chain_of(const std::string& merged_yaml) {
  const std::string marker = "\n# files, base first: ";
  const std::size_t at = merged_yaml.find(marker);
  if (at == std::string::npos) return {};
  std::istringstream line(merged_yaml.substr(at + marker.size(), merged_yaml.find('\n', at + 1) - at - marker.size()));
  std::vector<std::string> files;
  for (std::string f; line >> f;) files.push_back(f);
  return files;
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
    const std::vector<std::string> files = chain_of(scenario.merged_yaml);
    const std::string area_file = file_of(name->second.origin);
    std::vector<std::pair<std::string, SettingText>> own, chosen, england;
    for (const auto& [path, s] : settings) {
      switch (setting_source(path, file_of(s.origin), files, area_file)) {
        case SettingSource::area: own.emplace_back(path, s); break;
        case SettingSource::scenario: chosen.emplace_back(path, s); break;
        case SettingSource::england: england.emplace_back(path, s); break;
        case SettingSource::run: break;
      }
    }
    body += fmt::format("<h3>{} ({})</h3>\n<p>The area's own values: {} setting(s), set in the area's files.</p>\n",
                        escape(scenario.name), escape(area), own.size());
    body += setting_rows(own);
    if (!chosen.empty()) {
      body += fmt::format("<p>This scenario's choices, beyond the area's own file: {} setting(s).</p>\n",
                          chosen.size());
      body += setting_rows(chosen);
    }
    body += details(fmt::format("England's defaults: the other {} settings{}", england.size(),
                                files.size() > 1 ? " (from " + files.front() + " or the model's defaults)" : std::string()),
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
