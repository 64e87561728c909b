// Builds an Engine by backend name. The only file in boxed that knows which backends were
// compiled in; the harness sees nothing of inference/ but this header and engine.h.
//
//   auto engine = make_engine({.backend = "auto", .model = "/models/R1-Distill-Qwen-1.5B"});
//   fmt::print("{}\n", fmt::join(compiled_backends(), ", "));   // "cpu, openai, replay"
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "inference/engine.h"

namespace boxed::inference {

struct EngineOptions {
  std::string backend = "auto";  // auto | cpu | cuda | openai | replay
  std::string model;             // model directory or GGUF file; the served name for openai
  int threads = 0;               // CPU worker threads; 0 = all cores
  std::string chat_template;     // override of the model's chat template (a name or a file)
  // cpu backend: "f32", the exact reference, or "q8": matmuls multiply GGML blocks with int8
  // activations, as llama.cpp does — faster, not bit-exact.
  std::string cpu_activations = "f32";
  // The KV cache's elements: "auto" (the backend's own: bf16 on cuda, f32 on cpu), "bf16" (cuda
  // only) or "f32" (cuda: the values the CPU reference stores).
  std::string kv_cache_dtype = "auto";
  // openai backend
  std::vector<std::string> endpoints;  // base URLs, e.g. http://127.0.0.1:8000
  std::string api_key;
  int concurrency = 64;         // requests in flight over all endpoints
  bool raw_prompt = false;      // send the templated prompt to /v1/completions
  double request_timeout_s = 3600;
  int max_retries = 8;
  bool stream = true;  // stream answers (tokens counted as they arrive); false: one JSON answer
  // replay backend
  std::string replay_from;  // a run directory or a completions JSONL file
};

// Throws std::invalid_argument for an unknown or unavailable backend, naming those available.
std::unique_ptr<Engine> make_engine(const EngineOptions& options);

// The backends this binary was built with, in preference order.
std::vector<std::string> compiled_backends();

// Backends usable on this machine now (e.g. "cuda" only with a visible device).
std::vector<std::string> available_backends();

// What this build and machine offer for CUDA: toolchain, engine, device 0 (for `boxed --version`).
std::string cuda_status();

}  // namespace boxed::inference
