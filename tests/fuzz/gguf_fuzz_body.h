// One fuzz iteration of the GGUF reader, shared by the libFuzzer target (gguf_fuzz.cc) and the
// ordinary test that replays tests/data/fuzz/gguf/ (tests/inference/model/gguf_fuzz_replay_test.cc):
// parse in both modes and, when parsing succeeds, call every accessor on every key and touch
// every byte range a tensor view claims, so AddressSanitizer sees any out-of-bounds read.
// Malformed input must end in std::runtime_error and nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "inference/model/gguf_file.h"

namespace boxed::fuzz {

inline void exercise(const inference::model::GgufFile& f) {
  for (const auto& [key, value] : f.metadata()) {
    try { f.get_string(key); } catch (const std::runtime_error&) {}
    try { f.get_u32(key); } catch (const std::runtime_error&) {}
    try { f.get_i64(key); } catch (const std::runtime_error&) {}
    try { f.get_f32(key); } catch (const std::runtime_error&) {}
    try { f.get_bool(key); } catch (const std::runtime_error&) {}
    try { f.get_string_array(key); } catch (const std::runtime_error&) {}
    try { f.get_i32_array(key); } catch (const std::runtime_error&) {}
    try { f.get_f32_array(key); } catch (const std::runtime_error&) {}
    (void)value.type_description();
  }
  volatile uint8_t sink = 0;
  for (const auto& t : f.tensors()) {
    try {
      const inference::model::TensorView v = f.tensor_view(t.name);
      const size_t n = v.size_bytes();
      if (n != t.bytes) throw std::logic_error("tensor view size disagrees with the tensor info");
      if (n > 0) sink = sink + static_cast<uint8_t>(v.data[0]) + static_cast<uint8_t>(v.data[n - 1]);
    } catch (const std::runtime_error&) {
    }
  }
}

inline void fuzz_gguf_once(const uint8_t* data, size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  for (auto mode : {inference::model::GgufFile::Mode::kHeaderOnly,
                    inference::model::GgufFile::Mode::kWithTensorData}) {
    try {
      exercise(inference::model::GgufFile::parse(bytes, "fuzz.gguf", mode));
    } catch (const std::runtime_error&) {
    }
  }
}

}  // namespace boxed::fuzz
