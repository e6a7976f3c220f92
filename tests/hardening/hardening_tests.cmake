# Hardening tests (issue 9), include()d at the end of tests/CMakeLists.txt.
#
#   test_hardening          invariant checks, results-file faults, output paths, limits
#   fault_injection         the same faults through the real `averted` program
#   fuzz_*_corpus           each fuzz target (scenario files, targets files) run as a plain
#                           driver over its seed corpus and every crash the fuzzer ever
#                           found (any compiler)
#   fuzz_*_bounded          with -DAVERTED_FUZZ=ON (clang 16): libFuzzer for
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

# Two fuzz targets: the scenario loader and the calibration targets-file loader.
set(_fuzz_libs_scenario averted_engine)
set(_fuzz_libs_targets averted_calibration averted_engine)
foreach(_target scenario targets)
  add_executable(fuzz_${_target}_replay ${_fuzz}/fuzz_${_target}.cpp ${_fuzz}/replay_main.cpp)
  target_link_libraries(fuzz_${_target}_replay PRIVATE ${_fuzz_libs_${_target}})
  target_compile_options(fuzz_${_target}_replay PRIVATE -Wall -Wextra)
  add_test(NAME fuzz_${_target}_corpus
           COMMAND fuzz_${_target}_replay ${_fuzz}/corpus/${_target} ${_fuzz}/regressions/${_target})
  set_tests_properties(fuzz_${_target}_corpus PROPERTIES LABELS "hardening;fuzz")
endforeach()

option(AVERTED_FUZZ "Build the libFuzzer targets (needs clang with -fsanitize=fuzzer, e.g. clang-16)" OFF)
set(AVERTED_FUZZ_SECONDS 60 CACHE STRING "How long the bounded fuzzing run lasts (seconds)")
if(AVERTED_FUZZ)
  # The engine is expected to be compiled with -fsanitize=fuzzer-no-link (for coverage)
  # plus address,undefined: see setup.sh.
  foreach(_target scenario targets)
    add_executable(fuzz_${_target} ${_fuzz}/fuzz_${_target}.cpp)
    target_link_libraries(fuzz_${_target} PRIVATE ${_fuzz_libs_${_target}})
    target_compile_options(fuzz_${_target} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${_target} PRIVATE -fsanitize=fuzzer)
    # New inputs go to a scratch corpus in the build folder (the seed corpus is read
    # only); a crash is written as crash-<sha1> into fuzz_work_<target>/artifacts/ and
    # fails the test.
    set(_work ${CMAKE_CURRENT_BINARY_DIR}/fuzz_work_${_target})
    add_test(NAME fuzz_${_target}_bounded
             COMMAND bash -c [=[mkdir -p "$2/corpus" "$2/artifacts" && cd "$2" &&
                                exec "$1" -max_total_time="$3" -timeout=10 -rss_limit_mb=2048 \
                                  -max_len=4096 -dict="$4/$5.dict" -artifact_prefix="$2/artifacts/" \
                                  -print_final_stats=1 "$2/corpus" "$4/corpus/$5" "$4/regressions/$5"]=]
                     _ $<TARGET_FILE:fuzz_${_target}> ${_work} ${AVERTED_FUZZ_SECONDS} ${_fuzz} ${_target})
    math(EXPR _fuzz_timeout "${AVERTED_FUZZ_SECONDS} + 120")
    set_tests_properties(fuzz_${_target}_bounded PROPERTIES LABELS "fuzz" TIMEOUT ${_fuzz_timeout})
  endforeach()
endif()
