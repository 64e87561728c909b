// One fuzz iteration of the model-directory config readers, shared by the libFuzzer target
// (model_config_fuzz.cc) and the replay test (tests/inference/model/fuzz_replay_test.cc). The
// first byte picks which file of the tiny model's otherwise valid directory the rest replaces —
// config.json, generation_config.json or tokenizer_config.json — and load_model_config reads the
// directory. Bad input must end in std::runtime_error naming the file (model_config.h) and
// nothing else: a nlohmann::json type_error escaping a field read is a bug.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "inference/model/model_config.h"
#include "tests/fuzz/fuzz_support.h"

namespace boxed::fuzz {

inline void fuzz_model_config_once(const uint8_t* data, size_t size) {
  static constexpr std::array<const char*, 3> kFiles = {"config.json", "generation_config.json",
                                                        "tokenizer_config.json"};
  FuzzInput in(data, size);
  const char* file = kFiles[in.take_byte() % kFiles.size()];
  const std::filesystem::path dir = tiny_model_copy(std::string("config-") + file, file);
  write_file(dir / file, in.rest());
  try {
    const inference::model::ModelConfig c = inference::model::load_model_config(dir);
    if (c.n_heads <= 0 || c.head_dim <= 0 || c.n_kv_heads <= 0 || c.n_heads % c.n_kv_heads != 0) {
      throw std::logic_error("load_model_config accepted heads it cannot run");
    }
  } catch (const std::runtime_error&) {
  }
}

}  // namespace boxed::fuzz
