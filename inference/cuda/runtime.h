// Device memory and the stream: the one allocator/stream type of the CUDA backend (with the
// launch helper, launch.cuh, and the GEMM call, gemm.h, the only code the emulation replaces).
// On the device these wrap cudaMallocAsync-free plain cudaMalloc and one cudaStream_t; in
// emulation device memory is host memory and every operation is synchronous.
//
//   Stream stream;
//   DeviceBuffer x(n * sizeof(float));
//   stream.to_device(x.get(), host.data(), x.bytes());
//   ... launches on `stream` ...
//   stream.to_host(host.data(), x.get(), x.bytes());   // waits for the stream
//
// Every failure throws std::runtime_error naming the operation and the CUDA error. Destructors
// never throw (a failing cudaFree is ignored: the context is already lost then).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "inference/cuda/flavour.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);  // contents undefined
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return ptr_; }
  template <typename T>
  T* as() const { return static_cast<T*>(ptr_); }
  size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

class Stream {
 public:
  Stream();
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  void* handle() const { return handle_; }  // cudaStream_t on the device, null in emulation
  void synchronize();
  void to_device(void* dst, const void* src, size_t bytes);  // src may be reused on return
  void to_host(void* dst, const void* src, size_t bytes);    // waits until dst is filled
  void on_device(void* dst, const void* src, size_t bytes);
  void zero(void* dst, size_t bytes);

  template <typename T>
  void to_device(DeviceBuffer& dst, const std::vector<T>& src) {
    to_device(dst.get(), src.data(), src.size() * sizeof(T));
  }

 private:
  void* handle_ = nullptr;
};

// A step's launches captured once as a CUDA graph and replayed with one launch (CUDA Runtime
// API, "Graph Management", stream capture). The body must only launch kernels and copy device to
// device on `stream`: no allocation, no host copy, no synchronisation (all three are refused or
// undefined during capture). In emulation nothing is captured: run() calls the body each time,
// so the same launches run as plain ones.
//
//   Graph graph;
//   graph.run(stream, [&] { kernels(...); });   // first call captures, every call launches
class Graph {
 public:
  Graph() = default;
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  template <typename Body>
  void run(Stream& stream, const Body& body) {
#if defined(BOXED_CUDA_EMULATE)
    (void)stream;
    body();
#else
    if (exec_ == nullptr) {
      begin_capture(stream);
      try {
        body();
      } catch (...) {
        abandon_capture(stream);
        throw;
      }
      end_capture(stream);
    }
    launch(stream);
#endif
  }
  bool captured() const { return exec_ != nullptr; }
  void reset();  // drops the captured graph (its kernels' pointers went stale)

 private:
  void begin_capture(Stream& stream);
  void end_capture(Stream& stream);
  void abandon_capture(Stream& stream);
  void launch(Stream& stream);
  void* exec_ = nullptr;  // cudaGraphExec_t
};

// Bytes of device memory currently allocated through DeviceBuffer, and the peak since start.
size_t device_bytes_in_use();
size_t device_bytes_peak();
// Device memory free now (cudaMemGetInfo); in emulation, the host memory available now.
size_t device_free_bytes();

// Throws std::runtime_error("<what>: <CUDA error>") when the last launch failed (device only;
// a no-op in emulation, where launch errors throw at once).
void check_last_launch(const char* what);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
