// Streamed answers of an OpenAI-compatible server, as pure functions over bytes (no sockets, so
// every rule is testable on strings): server-sent events split into their data payloads, and the
// chunks of one answer accumulated into a Completion.
//
//   SseParser sse;
//   StreamAccumulator answer(request.id, /*raw_prompt=*/false);
//   sse.feed(bytes, [&](std::string_view data) { new_tokens += answer.add_event(data); });
//   Completion c = answer.completion();   // kError if the stream ended before its finish
//
// Sources: WHATWG HTML, "Server-sent events", 9.2.6 Interpreting an event stream (lines end in
// CRLF, LF or CR; "data:" lines, one optional space after the colon, joined by "\n"; a blank line
// dispatches the event; lines starting with ":" are comments). OpenAI API reference, "The chat
// completion chunk object" (choices[0].delta.content, choices[0].finish_reason, a final usage
// chunk with stream_options.include_usage, then "data: [DONE]"); the completions stream carries
// choices[0].text instead. vLLM's reasoning parsers put the thinking in delta.reasoning_content.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "inference/engine.h"

namespace boxed::inference::http {

class SseParser {
 public:
  // Consumes the next bytes of the stream (split anywhere, even inside a CRLF); calls on_data
  // with the data of each complete event.
  void feed(std::string_view bytes, const std::function<void(std::string_view)>& on_data);

 private:
  void line(std::string_view text, const std::function<void(std::string_view)>& on_data);
  std::string line_;
  std::string data_;
  bool has_data_ = false;
  bool after_cr_ = false;  // the previous byte was a CR: a following LF belongs to it
};

class StreamAccumulator {
 public:
  StreamAccumulator(std::string id, bool raw_prompt);

  // One event's data. Returns the pieces of generated text it carried (0 or 1), a stand-in for
  // tokens in progress reports. Malformed events are remembered and make completion() an error.
  int64_t add_event(std::string_view data);

  // True once a finish_reason or "[DONE]" has been seen.
  bool finished() const { return finished_; }
  int64_t pieces() const { return pieces_; }

  // The answer. kError when the stream ended without a finish reason (cut half-way), had a
  // malformed event or a finish reason other than stop/length. completion_tokens: the usage chunk
  // when the server sent one, else the number of text pieces.
  Completion completion() const;

 private:
  std::string id_;
  bool raw_prompt_;
  std::string content_, reasoning_, finish_, problem_;
  int64_t pieces_ = 0, prompt_tokens_ = -1, completion_tokens_ = -1;
  bool finished_ = false, done_ = false;
};

}  // namespace boxed::inference::http
