#!/usr/bin/env bash
# The one set-up script. Installs what is missing from Debian 12's archive, builds,
# and runs the main job or the tests.
#
#   bash setup.sh forecast   # the shipped England scenarios -> results/ and a report
#   bash setup.sh test       # the whole test suite (what CI runs)
#   bash setup.sh build      # install and build only
#   bash setup.sh bench      # the benchmarks of docs/performance.md
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${AVERTED_BUILD_DIR:-$here/build}"
jobs="$(nproc)"

packages=(
  g++ cmake ninja-build pkg-config git
  libboost-dev libeigen3-dev libtbb-dev libhdf5-dev
  libbenchmark-dev libgtest-dev libgmock-dev
  libyaml-cpp-dev libcli11-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  librandom123-dev librapidcheck-dev
  python3-h5py python3-numpy
)

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

build() {
  install_packages
  cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j "$jobs"
}

case "${1:-}" in
  build)
    build
    ;;
  test)
    build
    ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 900
    ;;
  forecast)
    build
    mkdir -p "$here/results"
    # The baseline first (the comparator), then every lever scenario shipped beside it.
    mapfile -t levers < <(find "$here/scenarios/england" -name '*.yaml' ! -name baseline.yaml | sort)
    "$build/engine/averted" run "$here/scenarios/england/baseline.yaml" "${levers[@]}" \
      --replicates 5 -o "$here/results/england.h5"
    /usr/bin/python3 "$here/analysis/read_results.py" "$here/results/england.h5" --from 2026 \
      | tee "$here/results/england-summary.txt"
    ;;
  bench)
    build
    "$build/bench/bench_micro"
    "$build/bench/bench_end_to_end"
    ;;
  *)
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
