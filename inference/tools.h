// Developer tools of the inference core, for the harness's `tokenize`, `detokenize`, `logits`,
// `make-tiny-model` and `prompts` commands. Together with engine.h and engine_factory.h this is
// all the harness sees of inference/: the tools are thin façades over the internals, so the
// harness never depends on a tokenizer or tensor type.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "inference/engine.h"

namespace boxed::inference {

// --- Model and CPU forward (inference/model/tools_model.cc) ---------------------------------
// Writes the tiny random model directory of `boxed make-tiny-model` (arch "qwen2" | "llama"):
// config.json, generation_config.json, tokenizer_config.json, tokenizer.json, model.safetensors.
// shape "tiny", or "r1-distill-qwen-1.5b" (qwen2 only): that model's dimensions, random weights
// (3.5 GB), for benchmarks. The same seed writes byte-identical files. Throws
// std::invalid_argument on an unknown arch or shape.
void make_tiny_model(const std::string& dir, const std::string& arch, uint64_t seed,
                     const std::string& shape = "tiny");
// The logits [vocab_size] at the last of `tokens` (a sequence starting at position 0), from the
// CPU forward. Throws on an unloadable model or a token outside the vocabulary.
std::vector<float> last_token_logits(const std::string& model_dir, std::span<const int32_t> tokens);
// Runs the CPU forward over `tokens` (from position 0) and calls `on_logits(position, logits
// [vocab_size])` for every position (all_positions) or only the last, in position order. The
// forward runs in chunks, so memory stays at one chunk of logits whatever the length.
void token_logits(const std::string& model_dir, std::span<const int32_t> tokens, bool all_positions,
                  const std::function<void(int position, std::span<const float> logits)>& on_logits);
// `text` encoded with the model directory's tokenizer, special tokens parsed, no BOS added.
std::vector<int32_t> encode_text_for_model(const std::string& model_dir, const std::string& text);

// --- Speed (inference/tools_bench.cc) -------------------------------------------------------
struct BenchOptions {
  std::string model;        // directory or .gguf
  std::string backend = "cpu";  // cpu | cuda (the device, or the emulation in EMULATE builds)
  int prompts = 4;          // prompts, each prefilled once
  int samples = 1;          // decode batch: samples sharing each prompt's KV blocks
  int max_tokens = 64;      // decode steps per prompt
  int prompt_tokens = 128;  // length of each (seeded-random) prompt
  int threads = 0;          // CPU threads; 0 = all cores
  std::string cpu_activations = "f32";  // f32 | q8 (EngineOptions::cpu_activations)
  std::string kv_cache_dtype = "auto";  // auto | bf16 | f32 (EngineOptions::kv_cache_dtype)
  uint64_t seed = 1;
};
struct BenchResult {
  std::string backend;
  std::string device;        // "CPU", device 0's name, or "CUDA emulation on the CPU"
  bool emulated = false;
  int threads = 0;
  bool decode_samples_on_device = false;  // each decode step includes drawing its tokens
  double prefill_tokens_per_s = 0;
  double decode_tokens_per_s = 0;    // samples x steps / decode time
  double mean_prefill_ms = 0;
  double mean_decode_step_ms = 0;
  uint64_t weight_bytes_per_step = 0;  // as the backend stores them (bf16 on CUDA, blocks kept)
  uint64_t kv_bytes_per_step = 0;    // K/V read at the mean position, all samples
  uint64_t bytes_per_decode_step = 0;
  double implied_read_bytes_per_s = 0;   // bytes_per_decode_step / mean step time
  // The yardstick, measured in the same run: "read" (CPU: parallel sum over 512 MiB, best of 3,
  // same threads) or "copy" (CUDA: reads + writes of a device-to-device copy, copy_bandwidth.h).
  std::string bandwidth_kind;
  double bandwidth_bytes_per_s = 0;
  uint64_t peak_device_bytes = 0;  // CUDA: device memory allocated at the peak; 0 on the CPU
};
// Prefill and decode speed of a backend's forward (see tools_bench.cc for the method). Throws on
// bad options, an unloadable model, or a backend this build or machine does not have.
BenchResult bench_forward(const BenchOptions& options);

// --- Inspection (inference/model/tools_inspect.cc) ------------------------------------------
// `boxed inspect PATH`: JSON text summarising a .gguf file (header, metadata with long arrays
// summarised, tokenizer, config, tensors with type, shape and bytes; read header-only, so a
// truncated file is summarised too, with its missing bytes) or a model directory (config,
// tokenizer.json, safetensors tensors).
std::string inspect_model(const std::string& path);
struct TensorValues {
  std::string type;            // stored type: "F32", "Q4_K", ...
  std::vector<int64_t> shape;  // row-major (HF order)
  std::vector<float> values;   // dequantised, row-major
};
// One tensor of a .gguf file or model directory, dequantised to fp32. Throws naming the path
// and tensor when it is absent or its data is not in the file.
TensorValues dequantized_tensor(const std::string& path, const std::string& name);

// --- Quantization (inference/model/tools_quantize.cc) ----------------------------------------
// `boxed quantize SRC DST.gguf --type NAME`: a GGUF file from a safetensors model directory
// (BF16/F16/F32) or from a GGUF file (dequantised, then re-encoded), each tensor in the type
// llama-quantize would choose for that scheme (inference/model/quantize_plan.h), the block
// encoders of inference/model/quant/quantize.h, the tokenizer and chat template carried over
// (from a directory as llama.cpp's converter writes them, inference/tokenizer/hf_gguf_vocab.h;
// from a GGUF every key but general.file_type / general.quantization_version / general.alignment
// copied). One tensor is in memory at a time; the file is written to DST.tmp and renamed.
struct QuantizeRequest {
  std::string source;
  std::string destination;
  std::string type;  // quantize_type_names()
  int threads = 0;   // 0: all cores
};
struct QuantizeTensorEvent {
  int index = 0;  // 1-based, in file order
  int total = 0;
  std::string name;  // GGUF name
  std::string from_type;
  std::string to_type;
  std::string note;  // why it is not the scheme's base type, "" otherwise
  std::vector<int64_t> shape;
  uint64_t bytes = 0;  // written
  double seconds = 0;
};
struct QuantizeResult {
  int n_tensors = 0;
  std::vector<std::pair<std::string, int>> types;  // type name -> tensors, by first use
  uint64_t source_bytes = 0;  // tensor bytes read
  uint64_t bytes = 0;         // file size written
  double seconds = 0;
  std::string tokenizer;      // what was carried over, in words
  std::string llama_quantize_args;  // the llama-quantize arguments that choose the same types
};
// Throws std::invalid_argument for bad input (unknown type, missing or unsupported source,
// destination equal to the source or in a missing directory) and std::runtime_error naming the
// file, tensor and row for a value the format cannot hold. on_tensor after each tensor.
QuantizeResult quantize_model(const QuantizeRequest& request,
                              const std::function<void(const QuantizeTensorEvent&)>& on_tensor = {});
// "f32, f16, bf16, q8_0, q6_k, q5_k, q4_k, q4_k_m, q4_0".
std::string quantize_type_names();

// --- KL divergence of two models over a text (inference/tools_kld.cc) -----------------------
// `boxed kld`: base and candidate run over the same tokens (the base's tokenizer), in chunks of
// context_tokens scored as llama.cpp's llama-perplexity scores them (tools/perplexity/
// perplexity.cpp): the text is tokenized once (BOS first when the base's tokenizer_config.json
// says add_bos_token); chunk c is tokens [c·N, (c+1)·N) run from position 0 with a fresh cache,
// its first token replaced by BOS when BOS is added; the logits at positions N/2 .. N-2 are
// scored against the next token (all positions 0 .. N-2 with all_positions).
struct KldRequest {
  std::string base_model;
  std::string candidate_model;
  std::string text;
  int context_tokens = 512;
  int max_chunks = 0;  // 0: every whole chunk of the text
  bool all_positions = false;
};
// One entry per scored token, in text order.
struct KldScores {
  std::vector<double> kld;            // KL(base || candidate) of the next-token distributions, nats
  std::vector<double> nll_base;       // -ln p_base(next token)
  std::vector<double> nll_candidate;  // -ln p_candidate(next token)
  std::vector<uint8_t> same_top1;     // 1 when both argmaxes (lowest id on ties) agree
  int n_chunks = 0;
  int64_t n_text_tokens = 0;  // the whole tokenized text, BOS included
  bool bos_added = false;
  double base_seconds = 0;       // forward wall time of each model
  double candidate_seconds = 0;
};
// Throws std::invalid_argument for bad input (a context under 4, a text shorter than one chunk,
// vocabularies that differ: size, or any token's text when both models have a tokenizer) and
// std::runtime_error for an unloadable model. on_chunk(done, total) after each chunk.
KldScores score_kl_divergence(const KldRequest& request,
                              const std::function<void(int, int)>& on_chunk = {});

// --- Tokenizer (inference/tokenizer/tools_tokenizer.cc) -------------------------------------
// A loaded tokenizer for `boxed tokenize` / `detokenize`; thread-safe.
class TextTokenizer {
 public:
  virtual ~TextTokenizer();
  // parse_special: recognise special tokens such as "<｜begin▁of▁sentence｜>" in the text.
  // Never adds BOS.
  virtual std::vector<int32_t> encode(std::string_view text, bool parse_special) const = 0;
  // Invalid UTF-8 (ids cut inside a character) becomes U+FFFD. Throws std::out_of_range for an
  // id outside the vocabulary.
  virtual std::string decode(std::span<const int32_t> ids) const = 0;
  virtual int32_t vocab_size() const = 0;
};
// path: a tokenizer.json, a model directory, a vocab.json with merges.txt beside it, or a .gguf
// file (header only); pre: "" (from tokenizer.json / GGUF) | "qwen2" | "llama3" | "gpt2" |
// "smollm" (required for vocab.json + merges.txt).
std::unique_ptr<TextTokenizer> load_text_tokenizer(const std::string& path,
                                                   const std::string& pre);
// The prompt text of `messages` under the model's chat template (from its tokenizer_config.json,
// chat_template.jinja or GGUF tokenizer.chat_template)
// or `chat_template_override` (a built-in name: deepseek-r1, chatml, qwen2.5, smollm, llama3,
// raw; or a file),
// with the generation prompt (R1: "<｜Assistant｜><think>\n").
std::string render_chat_prompt(const std::string& model_dir_or_tokenizer_config,
                               std::span<const Message> messages,
                               const std::string& chat_template_override);

}  // namespace boxed::inference
