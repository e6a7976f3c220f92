# Tests of calibration, posteriors, observed series and back-tests (analysis/calibration).
# include()d by tests/CMakeLists.txt after the averted_test() helper is defined.
averted_test(test_calibration ${CMAKE_CURRENT_LIST_DIR}/test_calibration.cpp)
target_link_libraries(test_calibration PRIVATE averted_calibration)

# Through the real command line: calibrate (interrupted and resumed), run and compare
# with the posterior (observed groups checked with h5py), corrupt posteriors refused.
add_test(NAME calibration_cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/calibration/calibration_cli.sh $<TARGET_FILE:averted>
                 ${CMAKE_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/calibration_cli_work)
