// Documents the parameter table: a JSON Schema for scenario files (editor completion
// and validation), a readable listing (`averted params`, docs) and a complete scenario
// file at the defaults. All three are generated from the ParamTable alone, so they
// cannot drift from what load_scenario() accepts.
#pragma once

#include <string>

#include "scenario/parameter.hpp"

namespace averted {

class Scenario;

// A JSON Schema (draft 2020-12) for scenario files: nested objects with
// additionalProperties false, types, minimum/maximum, enums for choices, defaults,
// and descriptions naming the unit, range and source. `extends` is a string.
// Series accept a number (a constant) or an object keyed by numbers or dates.
std::string json_schema(const ParamTable& table);

// Every parameter: path, type, unit, range, default (or, with `values`, the current
// value and its origin), description and source. Markdown mode gives a table for docs;
// otherwise a plain-text block per parameter.
std::string params_listing(const ParamTable& table, const Scenario* values_or_null,
                           bool markdown);

// A complete scenario file with every parameter at its default, nested, each setting
// preceded by "# <description> [<unit>, <range>]" and "# source: <source>".
// load_scenario() reads it back to the defaults.
std::string defaults_yaml(const ParamTable& table);

}  // namespace averted
