// The OpenAI-compatible wire format, as pure functions: a Request becomes the JSON body of a
// /v1/chat/completions or /v1/completions call, and a server's JSON answer becomes a Completion.
// No sockets here, so every rule is testable on strings.
//
//   nlohmann::json body = make_request_body(request, {.model = "r1-distill", .raw_prompt = false});
//   Completion c = parse_response_body(request.id, response_text, /*raw_prompt=*/false);
//
// Sources: OpenAI API reference, "Create chat completion" and "Create completion" (fields model,
// messages, prompt, temperature, top_p, max_tokens, seed, stop, n; answer fields choices[0].
// message.content / choices[0].text, choices[0].finish_reason, usage.prompt_tokens,
// usage.completion_tokens). top_k and min_p are extensions accepted by vLLM ("Extra
// Parameters" of its OpenAI-compatible server), SGLang and llama-server; they are sent only when
// set, so strict servers that reject unknown fields still work with the defaults.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "inference/engine.h"

namespace boxed::inference::http {

struct BodyOptions {
  std::string model;        // the served model name ("model" field)
  bool raw_prompt = false;  // true: /v1/completions with Request::prompt
  // "stream": true with "stream_options": {"include_usage": true} (OpenAI API reference, "Create
  // chat completion", stream and stream_options), answered as server-sent events
  // (openai_stream.h); false: one JSON answer.
  bool stream = false;
};

// The path under an endpoint's base for this mode: "/v1/chat/completions" or "/v1/completions".
std::string_view api_path(bool raw_prompt);

// Throws std::invalid_argument when raw_prompt is set and the request has no prompt, or when it
// is not set and the request has no messages.
nlohmann::json make_request_body(const Request& request, const BodyOptions& options);

// Turns a 200 answer into a Completion. A body that is not JSON, has no choices, or carries a
// finish reason other than stop/length comes back as kError with the reason; never throws.
// A chat answer whose reasoning was split off by the server (vLLM's "reasoning_content", see its
// "Reasoning Outputs" docs) is rejoined as "<reasoning>\n</think>\n\n<content>" so the text
// has the shape an R1 model writes and the extractor looks after the last </think>.
Completion parse_response_body(const std::string& id, std::string_view body, bool raw_prompt);

}  // namespace boxed::inference::http
