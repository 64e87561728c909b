// `boxed run` as a function: the whole evaluation of one run directory (load tasks, plan
// requests, generate with resume, score, write reports), shared by `boxed run` and `boxed demo`
// so the demo exercises exactly the path users run.
//
//   RunArgs args{.tasks = {"aime24"}, .datasets = {"aime24.jsonl"}, .model = "tiny/",
//                .backend = "cpu", .out = "runs/r1"};
//   run_evaluation(args);   // throws on bad input; prints per-task pass@1 and the report path
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace boxed::harness {

// Defaults are the DeepSeek-R1 evaluation protocol (DeepSeek-R1 paper, section 3.1; model card
// "Usage Recommendations"): 64 samples, temperature 0.6, top-p 0.95, 32,768 new tokens.
struct RunArgs {
  std::vector<std::string> tasks, datasets, endpoints, fields;
  std::string model, backend = "auto", out, shard, api_key_env, model_name, chat_template, from;
  std::string cpu_activations = "f32";
  std::string kv_cache_dtype = "auto";
  int samples = 64, max_tokens = 32768, top_k = 0, limit = 0, concurrency = 64, threads = 0;
  int max_retries = 8;
  float temperature = 0.6f, top_p = 0.95f, min_p = 0.0f;
  uint64_t seed = 0;
  double request_timeout_s = 3600, progress_interval_s = 30;
  bool raw_prompt = false, quiet = false, no_text = false, allow_partial = false;
  bool no_stream = false;
  std::vector<std::string> argv;
};

void run_evaluation(const RunArgs& args);

}  // namespace boxed::harness
