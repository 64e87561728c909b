// The engine contract: what the harness asks of every inference backend.
//
// One Request per sample: 64 samples of a problem are 64 requests with ids like "aime24/7/13"
// (task/problem/sample) and a seed derived from the run seed and that id (request_seed), never
// from the clock, a batch slot or a thread — so the same run gives the same tokens whatever the
// batch size. Backends: cpu (the exact reference), cuda (the fast one), openai (an
// OpenAI-compatible HTTP server), replay (a saved completion log).
//
//   std::unique_ptr<Engine> engine = make_engine({.backend = "cpu", .model = "tiny/"});
//   std::vector<Request> requests = ...;
//   engine->set_on_tokens([&](std::string_view id, int64_t n) { progress.tokens(id, n); });
//   engine->generate(requests, [&](Completion c) { log.append(c); });  // once per request
//
// generate() calls on_done exactly once per request, from any thread, in any order, as soon as
// that request finishes, so the harness can persist it at once. A failed request comes back as a
// Completion with FinishReason::kError and a message; only a failure of the whole engine (a bad
// model file, a lost device) throws.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace boxed::inference {

struct Message {
  std::string role;  // "system" | "user" | "assistant"
  std::string content;
};

// Defaults are the DeepSeek-R1 evaluation protocol (DeepSeek-R1 paper, section 3.1 and the
// model card's "Usage Recommendations": temperature 0.6, top-p 0.95, 32,768 new tokens).
struct SamplingParams {
  float temperature = 0.6f;  // 0 = greedy
  float top_p = 0.95f;       // 1 = off
  int top_k = 0;             // 0 = off
  float min_p = 0.0f;        // 0 = off
  int max_tokens = 32768;    // new tokens, not counting the prompt
  std::vector<std::string> stop;  // stop strings; the matched string is not part of the text
};

struct Request {
  std::string id;                 // "task/problem/sample"
  std::vector<Message> messages;  // templated by the engine (the model's chat template)
  // When non-empty, the fully templated prompt (including the forced "<think>\n"), used as is
  // instead of templating `messages` (raw-prompt mode, /v1/completions for HTTP backends).
  std::string prompt;
  SamplingParams sampling;
  uint64_t seed = 0;  // request_seed(run_seed, id)
};

enum class FinishReason {
  kStop,    // EOS token or a stop string
  kLength,  // max_tokens reached (or the context window)
  kError,   // the request failed; Completion::error says why
};
std::string_view to_string(FinishReason reason);  // "stop" | "length" | "error"
std::optional<FinishReason> parse_finish_reason(std::string_view text);

struct Completion {
  std::string id;  // the Request's id
  std::string text;
  FinishReason finish_reason = FinishReason::kStop;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  std::string error;  // non-empty exactly when finish_reason == kError
};

// What a report records about the engine that produced its responses.
struct EngineInfo {
  std::string backend;  // "cpu", "cuda", "openai", "replay", ...
  std::string model;    // a path or a served model name
  std::map<std::string, std::string> details;  // e.g. dtype, chat template, endpoints
};

using OnDone = std::function<void(Completion completion)>;

// Optional live progress, so a progress line can move while responses take minutes: a backend
// calls it with a request id and the tokens generated for that request since its previous call —
// 0 when the request starts (is sent, or joins the batch), then as tokens come (each decode step,
// each streamed chunk), and minus what it had reported when a retry throws a partial response
// away. A hint only: Completion::completion_tokens stays authoritative, and a backend that cannot
// see tokens as they go (a server that does not stream) reports just the start. Called from any
// thread, concurrently; it must be cheap and must not throw.
using OnTokens = std::function<void(std::string_view request_id, int64_t new_tokens)>;

class Engine {
 public:
  virtual ~Engine() = default;
  virtual EngineInfo info() const = 0;
  // Blocks until every request has finished. Calls on_done exactly once per request, from any
  // thread, in any order. Throws only when the whole engine fails.
  virtual void generate(std::span<const Request> requests, const OnDone& on_done) = 0;

  // Set before generate(); an empty function (the default) turns progress reports off.
  void set_on_tokens(OnTokens on_tokens) { on_tokens_ = std::move(on_tokens); }
  const OnTokens& on_tokens() const { return on_tokens_; }

 protected:
  void report_tokens(std::string_view request_id, int64_t new_tokens) const {
    if (on_tokens_) on_tokens_(request_id, new_tokens);
  }

 private:
  OnTokens on_tokens_;
};

// The per-request seed: a stable 64-bit hash of the run seed and the request id (SplitMix64
// finalisation over FNV-1a of the id). Independent of platform, batch and thread.
uint64_t request_seed(uint64_t run_seed, std::string_view request_id);

}  // namespace boxed::inference
