# Tests of `averted report` (analysis/report). include()d by tests/CMakeLists.txt.
# report_cli: well-formed, self-contained, escaped, every number equal to the results
# file, calibration sections, --compare, refusals. report_chromium: rendered in
# headless Chromium (Debian package chromium, installed by setup.sh), PDF output.
add_test(NAME report_cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/report_cli.sh $<TARGET_FILE:averted> ${CMAKE_SOURCE_DIR}
                 ${CMAKE_CURRENT_BINARY_DIR}/report_cli_work)
add_test(NAME report_chromium
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/render_chromium.sh $<TARGET_FILE:averted> ${CMAKE_SOURCE_DIR}
                 ${CMAKE_CURRENT_BINARY_DIR}/report_chromium_work)
averted_test(test_report ${CMAKE_CURRENT_LIST_DIR}/test_report.cpp)
target_link_libraries(test_report PRIVATE averted_report)
