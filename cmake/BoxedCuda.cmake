# BOXED_CUDA=AUTO|ON|OFF|EMULATE. AUTO enables CUDA when nvcc is found. The build never needs a
# GPU: the binary probes for a device at run time (inference/cuda/device.h).
# EMULATE builds no device code: `--backend cuda` runs the kernel sources on the CPU emulation of
# the CUDA execution model (inference/cuda/emu/). The emulated flavour of the kernels is built
# for the tests in every mode but OFF (BOXED_WITH_CUDA_EMU), so CI without a GPU runs them.
set(BOXED_WITH_CUDA OFF)
set(BOXED_WITH_CUDA_EMU OFF)
if(NOT BOXED_CUDA STREQUAL "OFF")
  set(BOXED_WITH_CUDA_EMU ON)
endif()
if(NOT BOXED_CUDA STREQUAL "OFF" AND NOT BOXED_CUDA STREQUAL "EMULATE")
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(CMAKE_CUDA_ARCHITECTURES ${BOXED_CUDA_ARCHITECTURES})
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)  # CMake 3.25 knows no CUDA20 flags for nvcc
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(BOXED_WITH_CUDA ON)
  elseif(BOXED_CUDA STREQUAL "ON")
    message(FATAL_ERROR "BOXED_CUDA=ON but no CUDA compiler (nvcc) was found")
  endif()
endif()
message(STATUS "boxed: CUDA backend ${BOXED_WITH_CUDA}, emulated kernels ${BOXED_WITH_CUDA_EMU} (BOXED_CUDA=${BOXED_CUDA})")
