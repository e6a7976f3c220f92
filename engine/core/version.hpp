#pragma once
namespace averted {
// `git describe --always --dirty` of the source tree this binary was built from.
const char* code_version();
}  // namespace averted
