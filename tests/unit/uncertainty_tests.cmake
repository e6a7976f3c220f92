# Tests of parameter uncertainty and scenario comparison (engine/uncertainty,
# distributions in engine/scenario). include()d by tests/CMakeLists.txt after the
# averted_test() helper is defined.
averted_test(test_uncertainty ${CMAKE_CURRENT_LIST_DIR}/test_uncertainty.cpp)

# Through the real command line: an interrupted and resumed comparison writes the
# same data as an uninterrupted one (checked with h5py).
add_test(NAME compare_resume_cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/uncertainty/compare_cli.sh $<TARGET_FILE:averted>
                 ${CMAKE_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/compare_cli_work)
