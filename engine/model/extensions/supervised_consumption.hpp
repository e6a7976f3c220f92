// Worked example of a lever with a capacity and a cost: supervised consumption
// facilities (docs/extending.md).
#pragma once

#include "model/extension.hpp"

namespace averted::england {
ExtensionType supervised_consumption_extension();
}  // namespace averted::england
