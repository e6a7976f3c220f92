# The scenario layer's tests, include()d by tests/CMakeLists.txt after the averted_test()
# helper is defined. The scenario files they read live in tests/scenarios/{valid,malformed}.
averted_test(test_scenario ${CMAKE_CURRENT_LIST_DIR}/test_scenario.cpp)
