# Tests of the results module (engine/results). include()d by tests/CMakeLists.txt;
# needs the averted_engine target, HDF5::HDF5 (found by the top-level CMakeLists.txt)
# and GoogleTest.
include_guard(GLOBAL)
include(GoogleTest)
if(NOT TARGET GTest::gtest_main)
  find_package(GTest REQUIRED)
endif()

# The tests read files back with the HDF5 C++ API.
add_executable(test_results_file ${CMAKE_CURRENT_LIST_DIR}/test_results_file.cpp)
target_link_libraries(test_results_file PRIVATE averted_test_common HDF5::HDF5)
gtest_discover_tests(test_results_file DISCOVERY_TIMEOUT 60)

# End to end with the Python example reader: write an example file, then read it with
# analysis/read_results.py, which must exit 0; and check that the reader refuses a
# file that was not finalized. Needs the system Python (it has h5py and numpy).
add_executable(write_example_results ${CMAKE_CURRENT_LIST_DIR}/write_example_results.cpp)
target_link_libraries(write_example_results PRIVATE averted_engine)
target_compile_options(write_example_results PRIVATE -Wall -Wextra ${_test_optimize})

set(AVERTED_RESULTS_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with h5py and numpy, for read_results_py")
set(_averted_read_results ${CMAKE_CURRENT_LIST_DIR}/../../analysis/read_results.py)
set(_averted_example_h5 ${CMAKE_CURRENT_BINARY_DIR}/example_results.h5)
set(_averted_example_partial_h5 ${CMAKE_CURRENT_BINARY_DIR}/example_results_unfinished.h5)

# $1 writer, $2 python, $3 reader script, $4 output file
add_test(NAME read_results_py
         COMMAND bash -c [=["$1" "$4" && "$2" "$3" "$4"]=] _
                 $<TARGET_FILE:write_example_results> ${AVERTED_RESULTS_PYTHON}
                 ${_averted_read_results} ${_averted_example_h5})
add_test(NAME read_results_py_refuses_partial
         COMMAND bash -c [=[rm -f "$4" "$4.partial" && "$1" --no-finalize "$4" &&
                          out=$("$2" "$3" "$4.partial" 2>&1); rc=$?; echo "$out";
                          [ "$rc" -eq 1 ] && [[ "$out" == *"not complete"* ]]]=] _
                 $<TARGET_FILE:write_example_results> ${AVERTED_RESULTS_PYTHON}
                 ${_averted_read_results} ${_averted_example_partial_h5})
