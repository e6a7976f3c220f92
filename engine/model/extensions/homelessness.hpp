// Worked example of a risk factor: homelessness (docs/extending.md).
#pragma once

#include "model/extension.hpp"

namespace averted::england {
ExtensionType homelessness_extension();
}  // namespace averted::england
