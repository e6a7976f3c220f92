// The target averted_test_pch (tests/CMakeLists.txt) compiles the test programs'
// shared precompiled header; CMake needs one source file in it, and this is that file.
// The header itself is included here by the compiler (-include), so it is not empty.
