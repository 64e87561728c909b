// The "openai" backend: an Engine that sends each Request to an OpenAI-compatible server (vLLM,
// SGLang, llama-server, TGI, or `boxed serve`) over plain HTTP with cpp-httplib. This is how a run
// scales past one machine.
//
//   OpenAiEngine engine({.endpoints = {"http://gpu1:8000", "http://gpu2:8000"},
//                        .model = "deepseek-r1-distill-qwen-7b", .concurrency = 128});
//   engine.generate(requests, [&](Completion c) { log.append(c); });
//
// - At most `concurrency` requests are in flight, over all endpoints together; each attempt goes
//   to the endpoint with the fewest requests in flight, avoiding one whose latest attempt failed
//   (a dead or overloaded server) while a healthy one exists; a retry moves to another server.
// - 429, 408, 5xx, timeouts and dropped connections are retried with exponential backoff and
//   seeded jitter (retry_policy.h); other statuses, and retries exhausted, give a Completion with
//   FinishReason::kError naming the endpoint, status and body.
// - Answers are streamed (server-sent events, openai_stream.h) so a progress line counts tokens as
//   they arrive; a stream cut before its finish reason is a failed attempt, retried like a dropped
//   connection, and the pieces it had reported are taken back (on_tokens with a negative count).
// - Each request carries its id in an X-Request-Id header (for server logs) and its seed in the
//   body. The per-request timeout is cpp-httplib's read timeout: it bounds a silence, which for a
//   non-streaming answer is the whole generation and for a stream the gap between events.
// - An empty model name is resolved from the first endpoint's GET /v1/models (the first model
//   listed), so `--model-name` can be left out when a server serves one model.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "inference/engine.h"
#include "inference/http/endpoint.h"
#include "inference/http/retry_policy.h"

namespace boxed::inference::http {

struct OpenAiOptions {
  std::vector<std::string> endpoints;  // base URLs, see endpoint.h
  std::string model;                   // served model name; "" = ask GET /v1/models
  std::string api_key;                 // sent as "Authorization: Bearer …" when non-empty
  int concurrency = 64;                // requests in flight over all endpoints
  bool raw_prompt = false;             // /v1/completions with Request::prompt
  double request_timeout_s = 3600;     // per attempt, see above
  double connect_timeout_s = 10;
  // Ask for server-sent events ("stream": true) so tokens are counted as they arrive (see
  // Engine::set_on_tokens). A server that ignores it and answers JSON is read as JSON; one that
  // rejects it (HTTP 400/422 naming "stream") is asked again without it, and so is every later
  // request of this engine.
  bool stream = true;
  RetryPolicy retry;
};

class OpenAiEngine : public Engine {
 public:
  // Throws std::invalid_argument for no endpoint, a malformed URL or concurrency < 1, and
  // std::runtime_error when the model name must be asked for and no server answers.
  explicit OpenAiEngine(OpenAiOptions options);

  EngineInfo info() const override;
  void generate(std::span<const Request> requests, const OnDone& on_done) override;

 private:
  OpenAiOptions options_;
  std::vector<Endpoint> endpoints_;
  std::atomic<bool> stream_{true};
};

}  // namespace boxed::inference::http
