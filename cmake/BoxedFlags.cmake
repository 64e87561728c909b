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
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined -fno-omit-frame-pointer>)
  target_link_options(boxed_sanitize INTERFACE -fsanitize=address,undefined)
endif()

# Everything a boxed library links: include root, warnings, sanitizers.
add_library(boxed_common INTERFACE)
target_include_directories(boxed_common INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
target_link_libraries(boxed_common INTERFACE boxed_warnings boxed_sanitize)
