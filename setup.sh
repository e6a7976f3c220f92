#!/usr/bin/env bash
# The one set-up script. Installs what is missing from Debian 12's archive, builds,
# and runs the main job or the tests.
#
#   bash setup.sh forecast   # the shipped England scenarios -> results/ and a report
#   bash setup.sh test       # the whole test suite (what CI runs): normal, ASan+UBSan, TSan, fuzzing
#   bash setup.sh test-fast  # the normal build's tests only
#   bash setup.sh build      # install and build only
#   bash setup.sh bench      # the benchmarks of docs/performance.md
#   bash setup.sh api-docs   # the C++ API reference (public headers) -> build/api-docs/html
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
  # reading results from R (analysis/deaths_averted.R); the C++ API reference (api-docs)
  r-base-core r-cran-hdf5r doxygen
  # distributed runs (docs/distributed.md)
  libopenmpi-dev openmpi-bin
  # PDF reports (averted report -o x.pdf) and the report's headless-browser test
  chromium
  # hardening (docs/reliability.md): clang 16 for ASan/UBSan and libFuzzer; Debian's
  # oneTBB source, rebuilt with ThreadSanitizer for the TSan stage
  clang-16 libclang-rt-16-dev dpkg-dev xz-utils
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

# ---- hardening stages (docs/reliability.md) -----------------------------------------
# Not run under the sanitizers: the statistical tests that need many or large runs and
# whose code paths smaller tests already take there: one England-scale run of every
# lever (every shipped scenario runs at 1% in ShippedScenario.*), the England-scale
# tests of the extension examples (their hooks: the small-population extension tests),
# the recovery of known parameters, the prior reproduced by the weights and the width
# of a local area's posterior (the calibration code:
# Calibration.ResultsDoNotDependOnThreads... and calibration_cli), and a local area
# against England at 10% (local areas: LocalArea.* and ShippedScenario.*). Each takes
# 1-3 minutes instrumented.
sanitizer_skip='^(england_levers|local_calibration|Homelessness\.RaisesDrugDeathsAsItsEvidenceSays|SupervisedConsumption\.FillsItsPlacesCostsItsBudgetAndAvertsDeaths|Calibration\.(RecoversKnownParametersFromModelGeneratedData|WithADistanceBlindToTheParametersThePosteriorIsThePrior)|LocalArea\.OnePercentAreaScalesAgainstEnglandAndIntervalsWiden)$'

# Configures a sanitizer build: folder $1, the compiler's flag for line tables only $2
# (file and line in reports; with -O1, about a third less compile time than -O2 -g),
# then further cmake options. The tests' own code at -O0 (tests/CMakeLists.txt says
# why). Without benchmarks, and without MPI (Open MPI's own allocations would be
# reported as leaks and races).
sanitizer_configure() {
  local b="$1" lines="$2"
  shift 2
  cmake -S "$here" -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAVERTED_BUILD_BENCH=OFF -DAVERTED_MPI=OFF \
    -DAVERTED_TEST_OPTIMIZE=-O0 \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 $lines -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 $lines -DNDEBUG" \
    "$@" >/dev/null
}

# AddressSanitizer + UndefinedBehaviorSanitizer (clang 16), also the libFuzzer build.
asan_stage() {
  local b="$build-asan"
  local flags="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  CC=clang-16 CXX=clang++-16 sanitizer_configure "$b" -gline-tables-only \
    -DAVERTED_FUZZ=ON -DAVERTED_FUZZ_SECONDS="${AVERTED_FUZZ_SECONDS:-60}" \
    -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
  cmake --build "$b" -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$b" --output-on-failure -j "$jobs" --timeout 900 -E "$sanitizer_skip|fuzz_.*_bounded"
  # The bounded fuzzing runs, one per core (a crash fails one; its input is left in
  # $b/tests/fuzz_work_<target>/artifacts).
  ctest --test-dir "$b" --output-on-failure -j "$jobs" -R 'fuzz_.*_bounded'
}

# oneTBB from Debian's source package, built with ThreadSanitizer: Debian's libtbb is
# not instrumented, so TSan cannot see its synchronisation and reports false races in
# every parallel_for (oneTBB documents TBB_SANITIZE=thread for this).
tsan_tbb() {
  local d="$build-tsan/onetbb" version
  version="$(dpkg-query -W -f='${Version}' libtbb-dev)"
  [[ -e "$d/install/lib/cmake/TBB/TBBConfig.cmake" ]] && return
  rm -rf "$d" && mkdir -p "$d/lists/partial" "$d/src"
  # A private sources list with Debian's deb-src lines: the system's apt set-up is untouched.
  printf 'deb-src http://deb.debian.org/debian bookworm main\ndeb-src http://deb.debian.org/debian-security bookworm-security main\ndeb-src http://deb.debian.org/debian bookworm-updates main\n' >"$d/sources.list"
  local apt=(-qq -o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists="$d/lists")
  apt-get "${apt[@]}" update
  (cd "$d/src" && apt-get "${apt[@]}" source --download-only "onetbb=$version" 2>/dev/null)
  (cd "$d/src" && dpkg-source --no-check -x ./*.dsc tree >/dev/null)
  cmake -S "$d/src/tree" -B "$d/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTBB_SANITIZE=thread \
    -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF \
    -DCMAKE_INSTALL_PREFIX="$d/install" >/dev/null
  cmake --build "$d/build" -j "$jobs" --target install >/dev/null
}

# ThreadSanitizer on the tests that run the model on several threads: the kernel, the
# ensemble runner (three Compare tests; the fourth, a precision loop of many runs, takes
# the same code), the calibration's batches, every shipped scenario.
tsan_stage() {
  local b="$build-tsan"
  tsan_tbb
  sanitizer_configure "$b" -g1 -DTBB_DIR="$b/onetbb/install/lib/cmake/TBB" -DCMAKE_CXX_FLAGS="-fsanitize=thread" \
    -DCMAKE_C_FLAGS="-fsanitize=thread" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread"
  cmake --build "$b" -j "$jobs" --target test_kernel test_markov test_capacity test_shipped_scenarios test_hardening \
    test_extensions test_uncertainty test_calibration
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --test-dir "$b" --output-on-failure -j "$jobs" --timeout 900 \
    -R '^(Kernel|Markov|Invariants)\.|ShippedScenario\.|^Compare\.(AScenarioIdentical|AnInterrupted|EachParameterDraw)|^(Capacity\.BitIdenticalForAnyThreadCountWithCapacityInPlay|Extensions\.BitIdenticalForAnyThreadCount|Calibration\.ResultsDoNotDependOnThreadsAndAResumedFitEndsWhereAnUninterruptedOneDoes)$'
}

# Every test runs with the kernel's invariant checks on.
[[ "${1:-}" == test* ]] && export AVERTED_CHECK_INVARIANTS=1

case "${1:-}" in
  build)
    build
    ;;
  test)
    build
    ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 900
    asan_stage
    tsan_stage
    ;;
  test-fast)
    build
    ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 900
    ;;
  test-asan)
    build && asan_stage
    ;;
  test-tsan)
    build && tsan_stage
    ;;
  forecast)
    build
    mkdir -p "$here/results"
    # The baseline first (the comparator), then every lever scenario shipped beside it
    # (not the calibration set-up or its targets): deaths averted, life-years gained and
    # cost per death averted over 2026-2030, with 95% intervals over 8 draws of the
    # calibrated posterior (docs/calibration.md) x 1 replicate, paired across scenarios
    # (common random numbers); the observed series go into the report beside the model's.
    mapfile -t levers < <(find "$here/scenarios/england" -maxdepth 1 -name '*.yaml' ! -name baseline.yaml \
      ! -name calibration.yaml ! -name targets.yaml | sort)
    "$build/engine/averted" compare "$here/scenarios/england/baseline.yaml" "${levers[@]}" \
      --posterior "$here/scenarios/england/baseline.posterior.csv" --draws 8 --replicates 1 \
      --from 2026 --to 2030 -o "$here/results/england.h5" \
      | tee "$here/results/england-summary.txt"
    # The report for funders and commissioners (docs/report.md): one HTML file.
    "$build/engine/averted" report "$here/results/england.h5" -o "$here/results/england-report.html" >/dev/null
    echo "Report: $here/results/england-report.html"
    ;;
  api-docs)
    install_packages
    bash "$here/docs/api/build.sh" "$build/api-docs"
    ;;
  bench)
    build
    "$build/bench/bench_micro"
    "$build/bench/bench_end_to_end"
    ;;
  *)
    sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
