# The scenario layer's sources, for engine/CMakeLists.txt to include():
#   include(${CMAKE_CURRENT_SOURCE_DIR}/scenario/sources.cmake)
#   target_sources(averted_engine PRIVATE ${AVERTED_SCENARIO_SOURCES})
# They need yaml-cpp, nlohmann_json::nlohmann_json, fmt::fmt and Boost::headers, and
# engine/ on the include path ("scenario/parameter.hpp").
set(AVERTED_SCENARIO_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/distribution.cpp
    ${CMAKE_CURRENT_LIST_DIR}/parameter.cpp
    ${CMAKE_CURRENT_LIST_DIR}/scenario.cpp
    ${CMAKE_CURRENT_LIST_DIR}/schema.cpp
)
