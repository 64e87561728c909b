// Shared by the `cuda` tests, which are compiled once per flavour (flavour.h): the emulated one
// always runs; the device one skips, naming the probe's answer, when no GPU is visible.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "inference/cuda/device.h"
#include "inference/cuda/runtime.h"
#include "inference/model/model.h"
#include "inference/tools.h"

namespace boxed::inference::cuda::BOXED_CUDA_NS::testing {

class CudaTest : public ::testing::Test {
 protected:
  void SetUp() override {
#if !defined(BOXED_CUDA_EMULATE)
    if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA device: " << cuda::device_status();
#endif
    stream_ = std::make_unique<Stream>();
  }

  template <typename T>
  DeviceBuffer upload(const std::vector<T>& host) {
    DeviceBuffer b(std::max<size_t>(host.size() * sizeof(T), 1));
    stream_->to_device(b.get(), host.data(), host.size() * sizeof(T));
    return b;
  }
  template <typename T>
  std::vector<T> download(const DeviceBuffer& b, size_t n) {
    std::vector<T> host(n);
    stream_->to_host(host.data(), b.get(), n * sizeof(T));
    return host;
  }
  static std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(-scale, scale);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
  }

  Stream& s() { return *stream_; }

  std::unique_ptr<Stream> stream_;
};

// A CudaTest with a tiny random model (`boxed make-tiny-model`) of `arch` written to a temporary
// directory in SetUp (dir_, model_), removed in TearDown.
class TinyModelCudaTest : public CudaTest {
 protected:
  void set_up_model(const std::string& tag, const std::string& arch, uint64_t seed) {
    CudaTest::SetUp();
    if (IsSkipped()) return;
    dir_ = std::filesystem::temp_directory_path() /
           ("boxed_" + tag + "_" + arch + "_" + std::to_string(::getpid()));
    make_tiny_model(dir_.string(), arch, seed);
    model_ = model::Model::load(dir_);
  }
  void TearDown() override {
    model_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<model::Model> model_;
};

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS::testing
