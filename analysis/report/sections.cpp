#include "report/sections.hpp"

#include <ctime>

#include <fmt/format.h>

#include "core/version.hpp"
#include "report/forecast.hpp"
#include "report/html.hpp"
#include "report/settings.hpp"

namespace averted::report {

std::string figure(const std::string& id, const std::string& svg, const std::string& caption_html) {
  return fmt::format("<figure class=\"chart\" id=\"{}\">\n{}\n{}</figure>\n", escape(id), svg,
                     caption_html.empty() ? std::string() : "<figcaption>" + caption_html + "</figcaption>\n");
}

std::string details(const std::string& summary, const std::string& html) {
  return fmt::format("<details><summary>{}</summary>\n{}</details>\n", escape(summary), html);
}

std::string fan_legend(bool with_reference, bool with_points) {
  std::string out =
      "Key: <span class=\"key\" style=\"background:#c9d7e8\"></span>95% of runs "
      "<span class=\"key\" style=\"background:#7f9fc4\"></span>50% of runs "
      "<span class=\"key\" style=\"background:#0b2e59;height:.2em\"></span>median (middle run)";
  if (with_reference) {
    out += " <span class=\"key\" style=\"border:none;border-top:2px dashed #000;height:0\"></span>comparator's median";
  }
  if (with_points) out += " ● observed value, with its 95% interval";
  return out + ".";
}

std::string changes_table(const std::vector<Change>& list, const std::string& before, const std::string& after) {
  if (list.empty()) return "<p>No setting differs.</p>\n";
  std::string out = fmt::format(
      "<table class=\"changes\"><thead><tr><th>Setting</th><th>{}</th><th>{}</th><th>Source of the model's default"
      "</th></tr></thead><tbody>\n",
      escape(before), escape(after));
  auto value = [](const std::string& v, const std::string& origin) {
    return fmt::format("<code>{}</code><br><small>{}</small>", escape(v),
                       origin.empty() ? std::string("model default") : "set in " + escape(origin));
  };
  for (const auto& c : list) {
    out += fmt::format("<tr><td><code>{}</code><br>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", escape(c.path),
                       escape(c.description), c.unit.empty() ? std::string() : " Unit: " + escape(c.unit) + ".",
                       value(c.before, c.origin_before), value(c.after, c.origin_after), escape(c.source));
  }
  return out + "</tbody></table>\n";
}

std::string provenance_section(const Forecast& f, const std::string& heading, const std::string& id_suffix) {
  char made[32];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(made, sizeof made, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::string out = fmt::format(
      "<h2 id=\"provenance{}\">{}</h2>\n<p>Everything needed to reproduce every number: run the same command with "
      "the same code version and scenario files (their hashes must match).</p>\n<table>\n"
      "<tr><th>Results file</th><td><code>{}</code></td></tr>\n"
      "<tr><th>Made by</th><td>Averted {} on {}, started {}</td></tr>\n"
      "<tr><th>Command</th><td><code>{}</code></td></tr>\n"
      "<tr><th>Master seed</th><td>{}</td></tr>\n"
      "<tr><th>Runs per scenario</th><td>{} parameter draw(s) × {} replicate(s)</td></tr>\n"
      "<tr><th>Summary years</th><td>{}</td></tr>\n",
      escape(id_suffix), escape(heading), escape(f.file.string()), escape(f.code_version), escape(f.host),
      escape(f.created_utc), escape(f.command_line),
      number(f.master_seed, Style::Plain, "attr/master_seed"),
      number(f.draws, Style::Plain, "layout/draws"), number(f.replicates, Style::Plain, "layout/replicates"),
      escape(f.horizon));
  for (const auto& r : f.resume_history) out += fmt::format("<tr><th>Resumed</th><td>{}</td></tr>\n", escape(r));
  out += fmt::format("<tr><th>This report</th><td>made by Averted {} on {}</td></tr>\n</table>\n",
                     escape(std::string(code_version())), made);
  out += "<table><thead><tr><th>#</th><th>Scenario</th><th>File</th><th>Hash of its merged settings</th></tr></thead>"
         "<tbody>\n";
  for (std::size_t s = 0; s < f.scenarios.size(); ++s) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>\n", s,
                       escape(f.scenarios[s].name), escape(f.scenarios[s].file), escape(f.scenarios[s].hash));
  }
  return out + "</tbody></table>\n";
}

}  // namespace averted::report
