# Hardening tests (issue 9), include()d at the end of tests/CMakeLists.txt.
#
#   test_hardening          invariant checks, results-file faults, output paths, limits
#   fault_injection         the same faults through the real `averted` program
#   fuzz_scenario_corpus    the fuzz target run as a plain driver over the seed corpus and
#                           every crash the fuzzer ever found (any compiler)
#   fuzz_scenario_bounded   with -DAVERTED_FUZZ=ON (clang 16): libFuzzer for
#                           AVERTED_FUZZ_SECONDS from the seed corpus (label "fuzz")
# setup.sh test runs all of them, and the suite again under ASan+UBSan and TSan
# (docs/reliability.md).
set(_hardening ${CMAKE_CURRENT_LIST_DIR})
set(_fuzz ${CMAKE_CURRENT_LIST_DIR}/../fuzz)

averted_test(test_hardening ${_hardening}/test_hardening.cpp)

add_test(NAME fault_injection
         COMMAND bash ${_hardening}/faults.sh $<TARGET_FILE:averted> ${CMAKE_SOURCE_DIR}
                 ${CMAKE_CURRENT_BINARY_DIR}/fault_work)
set_tests_properties(fault_injection PROPERTIES LABELS hardening TIMEOUT 300)

add_executable(fuzz_scenario_replay ${_fuzz}/fuzz_scenario.cpp ${_fuzz}/replay_main.cpp)
target_link_libraries(fuzz_scenario_replay PRIVATE averted_engine)
target_compile_options(fuzz_scenario_replay PRIVATE -Wall -Wextra)
add_test(NAME fuzz_scenario_corpus
         COMMAND fuzz_scenario_replay ${_fuzz}/corpus/scenario ${_fuzz}/regressions/scenario)
set_tests_properties(fuzz_scenario_corpus PROPERTIES LABELS "hardening;fuzz")

option(AVERTED_FUZZ "Build the libFuzzer targets (needs clang with -fsanitize=fuzzer, e.g. clang-16)" OFF)
set(AVERTED_FUZZ_SECONDS 60 CACHE STRING "How long the bounded fuzzing run lasts (seconds)")
if(AVERTED_FUZZ)
  # The engine is expected to be compiled with -fsanitize=fuzzer-no-link (for coverage)
  # plus address,undefined: see setup.sh.
  add_executable(fuzz_scenario ${_fuzz}/fuzz_scenario.cpp)
  target_link_libraries(fuzz_scenario PRIVATE averted_engine)
  target_compile_options(fuzz_scenario PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_scenario PRIVATE -fsanitize=fuzzer)
  # New inputs go to a scratch corpus in the build folder (the seed corpus is read only);
  # a crash is written as crash-<sha1> into fuzz_artifacts/ and fails the test.
  set(_work ${CMAKE_CURRENT_BINARY_DIR}/fuzz_work)
  add_test(NAME fuzz_scenario_bounded
           COMMAND bash -c [=[mkdir -p "$2/corpus" "$2/artifacts" && cd "$2" &&
                              exec "$1" -max_total_time="$3" -timeout=10 -rss_limit_mb=2048 \
                                -max_len=4096 -dict="$4/scenario.dict" -artifact_prefix="$2/artifacts/" \
                                -print_final_stats=1 "$2/corpus" "$4/corpus/scenario" "$4/regressions/scenario"]=]
                   _ $<TARGET_FILE:fuzz_scenario> ${_work} ${AVERTED_FUZZ_SECONDS} ${_fuzz})
  math(EXPR _fuzz_timeout "${AVERTED_FUZZ_SECONDS} + 120")
  set_tests_properties(fuzz_scenario_bounded PROPERTIES LABELS "fuzz" TIMEOUT ${_fuzz_timeout})
endif()
