# Compiler flags travel through INTERFACE targets, never globally.
add_library(boxed_warnings INTERFACE)
target_compile_options(boxed_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wno-missing-field-initializers>)

add_library(boxed_cpu_tuning INTERFACE)
if(BOXED_NATIVE AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  target_compile_options(boxed_cpu_tuning INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-march=native>)
endif()

add_library(boxed_sanitize INTERFACE)
if(BOXED_SANITIZE)
  target_compile_options(boxed_sanitize INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer>)
  target_link_options(boxed_sanitize INTERFACE -fsanitize=address,undefined)
endif()
# The fuzz build (tests/fuzz) instruments every library for libFuzzer's coverage feedback
# (fuzzer-no-link: the fuzzer's main is linked into the fuzz targets alone) and runs it under
# ASan + UBSan, with UB fatal so that libFuzzer keeps the input that triggered it.
if(BOXED_FUZZ)
  target_compile_options(boxed_sanitize INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link,address,undefined
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g>)
  target_link_options(boxed_sanitize INTERFACE -fsanitize=address,undefined)
endif()

# Everything a boxed library links: include root, warnings, sanitizers.
add_library(boxed_common INTERFACE)
target_include_directories(boxed_common INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
target_link_libraries(boxed_common INTERFACE boxed_warnings boxed_sanitize)
