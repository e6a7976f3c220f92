# The reading examples in Python and R (analysis/deaths_averted.*), tested on the small
# example results file. include()d by tests/CMakeLists.txt after results_tests.cmake
# (which defines write_example_results and AVERTED_RESULTS_PYTHON). R and hdf5r come
# from Debian (r-base-core, r-cran-hdf5r; setup.sh installs them).
find_program(AVERTED_RSCRIPT Rscript)
if(NOT AVERTED_RSCRIPT)
  set(AVERTED_RSCRIPT Rscript)  # the test then fails, saying what to install
endif()
add_test(NAME read_results_py_and_r
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/test_readers.sh $<TARGET_FILE:write_example_results>
                 ${AVERTED_RESULTS_PYTHON} ${AVERTED_RSCRIPT} ${CMAKE_SOURCE_DIR}
                 ${CMAKE_CURRENT_BINARY_DIR}/readers_work)
