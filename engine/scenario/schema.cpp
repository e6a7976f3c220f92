#include "scenario/schema.hpp"

#include <cmath>
#include <cstdint>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "scenario/detail.hpp"
#include "scenario/scenario.hpp"

namespace averted {

namespace {

using Json = nlohmann::ordered_json;

// "[probability, 0..1]", "[kits, >= 0; by calendar year 1980..2100]", "" if nothing.
std::string unit_and_range(const ParamSpec& spec) {
  std::vector<std::string> parts;
  if (!spec.unit.empty()) parts.push_back(spec.unit);
  const std::string range = describe_range(spec);
  if (!range.empty()) parts.push_back(range);
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += ", ";
    out += parts[i];
  }
  if (spec.type == ParamType::Series) {
    std::string key = "by " + (spec.key_unit.empty() ? std::string("key") : spec.key_unit);
    const bool lo = std::isfinite(spec.key_min);
    const bool hi = std::isfinite(spec.key_max);
    if (lo && hi) {
      key += " " + format_number(spec.key_min) + ".." + format_number(spec.key_max);
    } else if (lo) {
      key += " >= " + format_number(spec.key_min);
    } else if (hi) {
      key += " <= " + format_number(spec.key_max);
    }
    key += spec.interp == Series::Interp::Step ? ", stepped" : ", interpolated";
    out += out.empty() ? key : "; " + key;
  }
  return out;
}

Json json_value(const ParamSpec& spec, const ParamValue& value) {
  return std::visit(
      [&](const auto& v) -> Json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Series>) {
          Json obj = Json::object();
          for (std::size_t i = 0; i < v.keys.size() && i < v.values.size(); ++i) {
            obj[format_number(v.keys[i])] = v.values[i];
          }
          return obj;
        } else {
          (void)spec;
          return Json(v);
        }
      },
      value);
}

Json json_number(double x) {
  if (x == std::floor(x) && std::fabs(x) < 9.0e15) return Json(static_cast<std::int64_t>(x));
  return Json(x);
}

void add_bounds(Json& j, double lo, double hi) {
  if (std::isfinite(lo)) j["minimum"] = json_number(lo);
  if (std::isfinite(hi)) j["maximum"] = json_number(hi);
}

std::string one_line(std::string s) {
  for (auto& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

Json leaf_schema(const ParamSpec& spec) {
  Json j = Json::object();
  std::string desc = one_line(spec.description);
  const std::string ur = unit_and_range(spec);
  if (!ur.empty()) desc += (desc.empty() ? "[" : " [") + ur + "]";
  if (!spec.source.empty()) desc += (desc.empty() ? "Source: " : " Source: ") + spec.source;
  j["description"] = desc;
  switch (spec.type) {
    case ParamType::Real: {
      // A number, or a distribution (parameter uncertainty; docs/uncertainty.md).
      // minimum/maximum apply to numbers only; the $ref's keywords to objects only.
      j["type"] = Json::array({"number", "object"});
      add_bounds(j, spec.min, spec.max);
      j["$ref"] = "#/$defs/distribution";
      break;
    }
    case ParamType::Integer:
      j["type"] = "integer";
      add_bounds(j, spec.min, spec.max);
      break;
    case ParamType::Boolean: j["type"] = "boolean"; break;
    case ParamType::Choice:
      j["type"] = "string";
      j["enum"] = spec.choices;
      break;
    case ParamType::Text: j["type"] = "string"; break;
    case ParamType::Series: {
      Json value = Json::object();
      value["type"] = "number";
      add_bounds(value, spec.min, spec.max);
      Json map = Json::object();
      map["type"] = "object";
      map["minProperties"] = 1;
      Json patterns = Json::object();
      patterns[R"(^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$)"] = value;
      if (series_allows_dates(spec)) patterns[R"(^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$)"] = value;
      map["patternProperties"] = patterns;
      map["additionalProperties"] = false;
      j["oneOf"] = Json::array({value, map});
      break;
    }
  }
  j["default"] = json_value(spec, spec.default_value);
  return j;
}

Json group_schema() {
  Json j = Json::object();
  j["type"] = "object";
  j["additionalProperties"] = false;
  j["properties"] = Json::object();
  return j;
}

std::string md_cell(std::string s) {
  std::string out;
  for (const char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

void comment_lines(const std::string& text, const std::string& indent, std::string& out) {
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto nl = text.find('\n', start);
    const std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    out += indent + (line.empty() ? "#" : "# " + line) + "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

}  // namespace

std::string json_schema(const ParamTable& table) {
  Json root = group_schema();
  root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  root["title"] = "Averted scenario";
  root["description"] =
      "A scenario file: nested settings; any setting left out keeps its value from the base "
      "file named by 'extends', or its default.";
  // Put $schema etc. first for readability.
  Json ordered = Json::object();
  for (const char* k : {"$schema", "title", "description", "type", "additionalProperties"}) {
    ordered[k] = root[k];
  }
  ordered["properties"] = Json::object();
  Json extends = Json::object();
  extends["type"] = "string";
  extends["description"] =
      "A base scenario file whose settings this file starts from (relative to this file).";
  ordered["properties"]["extends"] = extends;
  {
    // Every number setting may instead give a distribution (scenario/distribution.hpp).
    // No "type" here: its keywords constrain objects only, so a plain number still fits.
    Json d = Json::object();
    d["description"] =
        "Parameter uncertainty: a distribution for this number, with its source. Forms: fixed "
        "(value); beta (mean, sd or alpha, beta); gamma (mean, sd or shape, scale or shape, rate); "
        "lognormal (mean, sd or meanlog, sdlog); normal (mean, sd); uniform (min, max). The "
        "setting's central value is the distribution's mean.";
    d["required"] = Json::array({"distribution", "source"});
    Json props = Json::object();
    Json kind = Json::object();
    kind["enum"] = distribution_kinds();
    props["distribution"] = kind;
    for (const char* k : {"value", "mean", "sd", "alpha", "beta", "shape", "scale", "rate", "meanlog",
                          "sdlog", "min", "max"}) {
      props[k] = Json::object({{"type", "number"}});
    }
    props["source"] = Json::object({{"type", "string"}, {"minLength", 1}});
    d["properties"] = props;
    d["additionalProperties"] = false;
    ordered["$defs"] = Json::object({{"distribution", d}});
  }

  for (const auto& spec : table.all()) {
    Json* node = &ordered;
    std::size_t start = 0;
    while (true) {
      const auto dot = spec.path.find('.', start);
      const std::string seg =
          spec.path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      Json& props = (*node)["properties"];
      if (dot == std::string::npos) {
        props[seg] = leaf_schema(spec);
        break;
      }
      if (!props.contains(seg)) props[seg] = group_schema();
      node = &props[seg];
      start = dot + 1;
    }
  }
  return ordered.dump(2) + "\n";
}

std::string params_listing(const ParamTable& table, const Scenario* values, bool markdown) {
  std::string out;
  auto value_of = [&](const ParamSpec& spec) -> std::pair<std::string, std::string> {
    if (!values) return {format_value(spec, spec.default_value), "default"};
    const auto it = values->settings().find(spec.path);
    if (it == values->settings().end()) return {format_value(spec, spec.default_value), "default"};
    std::string v = format_value(spec, it->second.value);
    if (it->second.distribution) v += " ~ " + it->second.distribution->describe();
    return {v, it->second.origin.describe()};
  };
  auto range_of = [](const ParamSpec& spec) {
    std::string r = describe_range(spec);
    if (spec.type == ParamType::Series) {
      std::string key = spec.key_unit.empty() ? std::string("key") : spec.key_unit;
      const bool lo = std::isfinite(spec.key_min);
      const bool hi = std::isfinite(spec.key_max);
      if (lo && hi) {
        key += " " + format_number(spec.key_min) + ".." + format_number(spec.key_max);
      } else if (lo) {
        key += " >= " + format_number(spec.key_min);
      } else if (hi) {
        key += " <= " + format_number(spec.key_max);
      }
      r = (r.empty() ? std::string() : r + ", ") + "by " + key +
          (spec.interp == Series::Interp::Step ? " (stepped)" : " (interpolated)");
    }
    return r;
  };

  if (markdown) {
    if (values) {
      out += "| Parameter | Type | Unit | Range | Value | From | Description | Source |\n";
      out += "|---|---|---|---|---|---|---|---|\n";
    } else {
      out += "| Parameter | Type | Unit | Range | Default | Description | Source |\n";
      out += "|---|---|---|---|---|---|---|\n";
    }
    for (const auto& spec : table.all()) {
      const auto [v, from] = value_of(spec);
      out += "| `" + md_cell(spec.path) + "` | " + std::string(to_string(spec.type)) + " | " +
             md_cell(spec.unit) + " | " + md_cell(range_of(spec)) + " | `" + md_cell(v) + "` | ";
      if (values) out += md_cell(from) + " | ";
      out += md_cell(spec.description) + " | " + md_cell(spec.source) + " |\n";
    }
    return out;
  }

  for (const auto& spec : table.all()) {
    const auto [v, from] = value_of(spec);
    out += spec.path + "\n";
    out += "  type: " + std::string(to_string(spec.type));
    if (!spec.unit.empty()) out += "   unit: " + spec.unit;
    const auto r = range_of(spec);
    if (!r.empty()) out += "   range: " + r;
    out += "\n";
    if (values) {
      out += "  value: " + v + "   (" + from + ")\n";
    } else {
      out += "  default: " + v + "\n";
    }
    if (!spec.description.empty()) out += "  " + one_line(spec.description) + "\n";
    if (!spec.source.empty()) out += "  source: " + spec.source + "\n";
    out += "\n";
  }
  return out;
}

std::string defaults_yaml(const ParamTable& table) {
  std::string out =
      "# Averted scenario with every parameter at its default.\n"
      "# Copy it, keep only the settings you change, or start a file with\n"
      "# 'extends: <base>.yaml' and list just the differences.\n";
  NestedYamlWriter w;
  w.before = [](const ParamSpec& spec, const std::string& indent) {
    std::string lines;
    std::string head = spec.description.empty() ? spec.path : spec.description;
    const std::string ur = unit_and_range(spec);
    if (!ur.empty()) head += " [" + ur + "]";
    comment_lines(head, indent, lines);
    lines += indent + "# source: " + (spec.source.empty() ? std::string("not given") : spec.source) +
             "\n";
    return lines;
  };
  w.value = [](const ParamSpec& spec) {
    return std::make_pair(format_value(spec, spec.default_value), std::string());
  };
  w.before_group = [](const std::string&, int depth, const std::string&) {
    return depth == 0 ? std::string("\n") : std::string();
  };
  out += nested_yaml(table, w);
  return out;
}

}  // namespace averted
