// Every parameter of a run of the England model, declared once (see
// scenario/parameter.hpp). Extensions add theirs to the same table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenario/parameter.hpp"
#include "scenario/scenario.hpp"

namespace averted {

// The settings every run has: calendar, seed, outputs, scenario name.
void declare_run_parameters(ParamTable& table);
// The England model's parameters, with defaults from ../shared/evidence.
void declare_england_parameters(ParamTable& table);
// Both, with the compiled-in extensions' parameters (model/extension.hpp): the table
// the `averted` program validates scenarios against.
const ParamTable& standard_parameters();

// Declarations of one parameter with the fields each kind needs (path, default, unit,
// range, description, source), for the model and its extensions.
namespace param {
ParamSpec real(std::string path, double value, std::string unit, double lo, double hi, std::string description,
               std::string source);
ParamSpec rate(std::string path, double value, std::string description, std::string source);  // per person-year
ParamSpec multiplier(std::string path, double value, std::string description, std::string source);  // rate ratio
ParamSpec probability(std::string path, double value, std::string description, std::string source);
ParamSpec integer(std::string path, std::int64_t value, std::string unit, double lo, double hi,
                  std::string description, std::string source);
ParamSpec flag(std::string path, bool value, std::string description, std::string source);  // true / false
}  // namespace param

// Checks between parameters that no single range can express (the end year after the
// start year, ...). Each error names both settings and where each was set.
std::vector<ScenarioError> check_consistency(const Scenario& scenario);

}  // namespace averted
