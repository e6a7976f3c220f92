#!/usr/bin/env bash
# Builds the C++ API reference (Doxyfile beside this script) into OUTPUT_DIR/html;
# fails if doxygen warns. Usage: docs/api/build.sh OUTPUT_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
cd "$root"
AVERTED_API_DOCS_DIR="$out" doxygen docs/api/Doxyfile
echo "API reference: $out/html/index.html"
