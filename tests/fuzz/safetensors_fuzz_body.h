// One fuzz iteration of the safetensors reader and of the sharded index, shared by the libFuzzer
// target (safetensors_fuzz.cc) and the replay test (tests/inference/model/fuzz_replay_test.cc).
// The first byte picks the subject; the rest is the file:
//   even  a .safetensors file: SafetensorsFile, then every tensor view's first and last byte is
//         read, so AddressSanitizer sees a view that claims bytes past the mapping;
//   odd   model.safetensors.index.json beside the tiny model's config and its weights as the
//         shard "model-00001-of-00001.safetensors": Model::load, which follows the weight map.
// Bad input must end in std::runtime_error (the readers' documented failure) and nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "inference/model/model.h"
#include "inference/model/safetensors.h"
#include "tests/fuzz/fuzz_support.h"

namespace boxed::fuzz {

inline void touch_tensor_bytes(const inference::model::SafetensorsFile& file) {
  volatile uint8_t sink = 0;
  for (const auto& [name, view] : file.tensors()) {
    const size_t n = view.size_bytes();
    if (n > 0) sink = sink + static_cast<uint8_t>(view.data[0]) + static_cast<uint8_t>(view.data[n - 1]);
  }
}

inline void fuzz_safetensors_once(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t which = in.take_byte();
  try {
    if (which % 2 == 0) {
      const std::filesystem::path path = scratch_dir() / "fuzz.safetensors";
      write_file(path, in.rest());
      touch_tensor_bytes(inference::model::SafetensorsFile(path));
    } else {
      static const std::filesystem::path dir = [] {
        const std::filesystem::path d = tiny_model_copy("sharded", "model.safetensors");
        std::filesystem::create_symlink(tiny_model_dir() / "model.safetensors",
                                        d / "model-00001-of-00001.safetensors");
        return d;
      }();
      write_file(dir / "model.safetensors.index.json", in.rest());
      const auto model = inference::model::Model::load(dir);
      for (const auto& layer : model->weights().layers) (void)layer.q_proj.size_bytes();
    }
  } catch (const std::runtime_error&) {
  }
}

}  // namespace boxed::fuzz
