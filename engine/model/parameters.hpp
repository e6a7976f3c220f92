// Every parameter of a run of the England model, declared once (see
// scenario/parameter.hpp). Extensions add theirs to the same table.
#pragma once

#include "scenario/parameter.hpp"

namespace averted {

// The settings every run has: calendar, seed, outputs, scenario name.
void declare_run_parameters(ParamTable& table);
// The England model's parameters, with defaults from ../shared/evidence.
void declare_england_parameters(ParamTable& table);
// Both: the table the `averted` program validates scenarios against.
const ParamTable& standard_parameters();

}  // namespace averted
