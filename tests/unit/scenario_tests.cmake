# The scenario layer's tests, for tests/CMakeLists.txt to include():
#   include(${CMAKE_CURRENT_SOURCE_DIR}/unit/scenario_tests.cmake)
# Needs the averted_engine library and GTest (find_package(GTest)) to exist already.
# The scenario files the tests read live in tests/scenarios/{valid,malformed}.
if(NOT DEFINED AVERTED_SCENARIO_TEST_DATA_DIR)
  set(AVERTED_SCENARIO_TEST_DATA_DIR "${CMAKE_SOURCE_DIR}/tests/scenarios")
endif()
include(GoogleTest)
if(COMMAND averted_test)
  # The project's helper (tests/CMakeLists.txt): links the engine and GoogleTest,
  # defines AVERTED_TEST_DATA_DIR as ${CMAKE_SOURCE_DIR}/tests/scenarios and
  # discovers the tests.
  averted_test(test_scenario ${CMAKE_CURRENT_LIST_DIR}/test_scenario.cpp)
else()
  add_executable(test_scenario ${CMAKE_CURRENT_LIST_DIR}/test_scenario.cpp)
  target_link_libraries(test_scenario PRIVATE averted_engine GTest::gtest_main)
  target_compile_definitions(test_scenario
                             PRIVATE AVERTED_TEST_DATA_DIR="${AVERTED_SCENARIO_TEST_DATA_DIR}")
  target_compile_options(test_scenario PRIVATE -Wall -Wextra)
  gtest_discover_tests(test_scenario DISCOVERY_TIMEOUT 60)
endif()
