# Finds every third-party library from its Debian package (see README "Dependencies").
find_package(fmt REQUIRED)                # libfmt-dev: formatting of messages and tables
find_package(nlohmann_json 3 REQUIRED)    # nlohmann-json3-dev: JSON/JSONL in and out
find_package(TBB REQUIRED)                # libtbb-dev: parallel grading and CPU forward
find_package(CLI11 REQUIRED)              # libcli11-dev: the command line
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)           # libre2-dev: linear-time regexes
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)  # libutf8proc-dev: NFC, categories

# cpp-httplib (libcpp-httplib-dev) is header-only and ships no CMake package on Debian 12.
find_path(HTTPLIB_INCLUDE_DIR httplib.h REQUIRED)
add_library(boxed_httplib INTERFACE)
target_include_directories(boxed_httplib SYSTEM INTERFACE ${HTTPLIB_INCLUDE_DIR})
# Debian builds cpp-httplib in split mode: httplib.h declares, libcpp-httplib.so defines.
find_library(HTTPLIB_LIBRARY NAMES cpp-httplib)
if(HTTPLIB_LIBRARY)
  target_link_libraries(boxed_httplib INTERFACE ${HTTPLIB_LIBRARY})
endif()
target_link_libraries(boxed_httplib INTERFACE Threads::Threads)

if(BOXED_BUILD_TESTS)
  find_package(GTest REQUIRED)            # libgtest-dev, libgmock-dev
  find_package(benchmark REQUIRED)        # libbenchmark-dev
endif()
