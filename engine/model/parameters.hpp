// Every parameter of a run of the England model, declared once (see
// scenario/parameter.hpp). Extensions add theirs to the same table.
#pragma once

#include <vector>

#include "scenario/parameter.hpp"
#include "scenario/scenario.hpp"

namespace averted {

// The settings every run has: calendar, seed, outputs, scenario name.
void declare_run_parameters(ParamTable& table);
// The England model's parameters, with defaults from ../shared/evidence.
void declare_england_parameters(ParamTable& table);
// Both: the table the `averted` program validates scenarios against.
const ParamTable& standard_parameters();

// Checks between parameters that no single range can express (the end year after the
// start year, ...). Each error names both settings and where each was set.
std::vector<ScenarioError> check_consistency(const Scenario& scenario);

}  // namespace averted
