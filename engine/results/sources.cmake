# Sources of the results module (HDF5 results file). Included by engine/CMakeLists.txt;
# the engine library links HDF5::HDF5 (C and CXX components) and fmt::fmt.
set(AVERTED_RESULTS_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/results_file.cpp
)
