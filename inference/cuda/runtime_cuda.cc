// runtime.h on the device: cudaMalloc / cudaFree and one non-blocking stream.
#include <cuda_runtime.h>
#include <fmt/format.h>

#include <atomic>
#include <stdexcept>

#include "inference/cuda/runtime.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS {
namespace {

std::atomic<size_t> g_in_use{0};
std::atomic<size_t> g_peak{0};

void check(cudaError_t err, const char* what, size_t bytes = 0) {
  if (err == cudaSuccess) return;
  cudaGetLastError();
  throw std::runtime_error(fmt::format("CUDA {} ({} bytes): {} ({})", what, bytes,
                                       cudaGetErrorString(err), cudaGetErrorName(err)));
}

cudaStream_t as_stream(void* handle) { return static_cast<cudaStream_t>(handle); }

}  // namespace

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  check(cudaMalloc(&ptr_, bytes), "cudaMalloc", bytes);
  const size_t now = g_in_use += bytes;
  size_t peak = g_peak.load();
  while (now > peak && !g_peak.compare_exchange_weak(peak, now)) {
  }
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_ != nullptr) {
    cudaFree(ptr_);
    g_in_use -= bytes_;
  }
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    this->~DeviceBuffer();
    ptr_ = std::exchange(other.ptr_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

Stream::Stream() {
  cudaStream_t s = nullptr;
  check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate");
  handle_ = s;
}
Stream::~Stream() {
  if (handle_ != nullptr) cudaStreamDestroy(as_stream(handle_));
}
void Stream::synchronize() { check(cudaStreamSynchronize(as_stream(handle_)), "cudaStreamSynchronize"); }
void Stream::to_device(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, as_stream(handle_)),
        "cudaMemcpyAsync host to device", bytes);
  // Pageable sources are staged before the call returns only for small copies; wait, so the
  // caller may reuse src at once.
  synchronize();
}
void Stream::to_host(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, as_stream(handle_)),
        "cudaMemcpyAsync device to host", bytes);
  synchronize();
}
void Stream::on_device(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, as_stream(handle_)),
        "cudaMemcpyAsync device to device", bytes);
}
void Stream::zero(void* dst, size_t bytes) {
  if (bytes == 0) return;
  check(cudaMemsetAsync(dst, 0, bytes, as_stream(handle_)), "cudaMemsetAsync", bytes);
}

size_t device_bytes_in_use() { return g_in_use.load(); }
size_t device_bytes_peak() { return g_peak.load(); }
size_t device_free_bytes() {
  size_t free = 0, total = 0;
  check(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
  return free;
}

void check_last_launch(const char* what) { check(cudaGetLastError(), what); }

Graph::~Graph() { reset(); }

void Graph::reset() {
  if (exec_ != nullptr) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(exec_));
  exec_ = nullptr;
}

void Graph::begin_capture(Stream& stream) {
  // Thread-local mode: other host threads' CUDA calls (none in boxed today) are not disturbed.
  check(cudaStreamBeginCapture(as_stream(stream.handle()), cudaStreamCaptureModeThreadLocal),
        "cudaStreamBeginCapture");
}

void Graph::abandon_capture(Stream& stream) {
  cudaGraph_t graph = nullptr;
  cudaStreamEndCapture(as_stream(stream.handle()), &graph);
  if (graph != nullptr) cudaGraphDestroy(graph);
  cudaGetLastError();  // the capture's error is the exception already in flight
}

void Graph::end_capture(Stream& stream) {
  cudaGraph_t graph = nullptr;
  check(cudaStreamEndCapture(as_stream(stream.handle()), &graph), "cudaStreamEndCapture");
  cudaGraphExec_t exec = nullptr;
  const cudaError_t err = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  check(err, "cudaGraphInstantiate");
  exec_ = exec;
}

void Graph::launch(Stream& stream) {
  check(cudaGraphLaunch(static_cast<cudaGraphExec_t>(exec_), as_stream(stream.handle())),
        "cudaGraphLaunch");
}

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS
