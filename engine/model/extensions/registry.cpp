// The extensions compiled into the program, in a fixed order (the order of their
// parameters, output tables and cost items). To add one: its own file(s) in this
// folder, a line in engine/CMakeLists.txt, and a line here (docs/extending.md).
#include "model/extension.hpp"
#include "model/extensions/homelessness.hpp"
#include "model/extensions/supervised_consumption.hpp"

namespace averted::england {

const std::vector<ExtensionType>& extension_types() {
  static const std::vector<ExtensionType> all = {
      homelessness_extension(),
      supervised_consumption_extension(),
  };
  return all;
}

}  // namespace averted::england
