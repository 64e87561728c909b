// One fuzz iteration of the OpenAI-compatible answer parsers, shared by the libFuzzer target
// (openai_fuzz.cc) and the replay test (tests/inference/http/fuzz_replay_test.cc). The first
// byte picks the subject:
//   0, 1  a /v1/chat/completions (0) or /v1/completions (1) JSON body: parse_response_body;
//   2, 3  a server-sent-event stream of chat (2) or completion (3) chunks. The next byte is a
//         stride: the stream is fed to one SseParser in pieces of that many bytes and to another
//         whole; both must see the same events ("split anywhere", openai_stream.h). The events go
//         through a StreamAccumulator.
// Both parsers promise never to throw: whatever a server sends becomes a Completion, with
// kError and a reason when it is unusable. Any exception is a bug, and so is a Completion whose
// error text and finish reason disagree (engine.h: error is non-empty exactly for kError).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inference/http/openai_protocol.h"
#include "inference/http/openai_stream.h"
#include "tests/fuzz/fuzz_support.h"

namespace boxed::fuzz {

// Writes the strings as the completion log does (harness/completion_log.cc: invalid UTF-8
// replaced) and checks the engine contract on the error text.
inline void check_loggable(const inference::Completion& c) {
  (void)nlohmann::json({{"text", c.text}, {"error", c.error}})
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if ((c.finish_reason == inference::FinishReason::kError) == c.error.empty()) {
    throw std::logic_error("a Completion has an error text exactly when it is an error");
  }
}

inline std::vector<std::string> sse_events(std::string_view stream, size_t stride) {
  inference::http::SseParser sse;
  std::vector<std::string> events;
  for (size_t at = 0; at < stream.size(); at += stride) {
    sse.feed(stream.substr(at, stride), [&](std::string_view data) { events.emplace_back(data); });
  }
  return events;
}

inline void fuzz_openai_once(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t which = in.take_byte() % 4;
  const bool raw_prompt = which % 2 == 1;
  if (which < 2) {
    check_loggable(inference::http::parse_response_body("fuzz/0/0", in.rest(), raw_prompt));
    return;
  }
  const size_t stride = in.take_byte() % 16 + 1;
  const std::vector<std::string> pieces = sse_events(in.rest(), stride);
  if (pieces != sse_events(in.rest(), in.rest().size() + 1)) {
    throw std::logic_error("SseParser: the events depend on how the stream was split");
  }
  inference::http::StreamAccumulator answer("fuzz/0/0", raw_prompt);
  for (const std::string& event : pieces) (void)answer.add_event(event);
  check_loggable(answer.completion());
}

}  // namespace boxed::fuzz
