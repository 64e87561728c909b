#include "inference/http/openai_stream.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace boxed::inference::http {

using nlohmann::json;

void SseParser::feed(std::string_view bytes,
                     const std::function<void(std::string_view)>& on_data) {
  for (const char c : bytes) {
    if (c == '\n' && after_cr_) {  // the LF of a CRLF whose CR ended the line already
      after_cr_ = false;
      continue;
    }
    after_cr_ = c == '\r';
    if (c == '\n' || c == '\r') {
      line(line_, on_data);
      line_.clear();
    } else {
      line_ += c;
    }
  }
}

void SseParser::line(std::string_view text,
                     const std::function<void(std::string_view)>& on_data) {
  if (text.empty()) {  // a blank line dispatches the event
    if (has_data_) on_data(data_);
    data_.clear();
    has_data_ = false;
    return;
  }
  if (text.front() == ':') return;  // comment (keep-alive)
  const size_t colon = text.find(':');
  const std::string_view field = text.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (field != "data") return;  // event, id, retry: not used by OpenAI streams
  if (has_data_) data_ += '\n';
  data_ += value;
  has_data_ = true;
}

StreamAccumulator::StreamAccumulator(std::string id, bool raw_prompt)
    : id_(std::move(id)), raw_prompt_(raw_prompt) {}

namespace {

std::string text_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

int64_t StreamAccumulator::add_event(std::string_view data) {
  if (data == "[DONE]") {
    done_ = finished_ = true;
    return 0;
  }
  const json chunk = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (chunk.is_discarded() || !chunk.is_object()) {
    if (problem_.empty()) {
      problem_ = fmt::format("stream event is not a JSON object: '{}'", data.substr(0, 200));
    }
    return 0;
  }
  if (auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object()) {
    if (auto p = usage->find("prompt_tokens"); p != usage->end() && p->is_number_integer()) {
      prompt_tokens_ = p->get<int64_t>();
    }
    if (auto n = usage->find("completion_tokens"); n != usage->end() && n->is_number_integer()) {
      completion_tokens_ = n->get<int64_t>();
    }
  }
  auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array() || choices->empty() ||
      !(*choices)[0].is_object()) {
    return 0;  // the usage chunk has no choices
  }
  const json& choice = (*choices)[0];
  std::string piece, thought;
  if (raw_prompt_) {
    piece = text_of(choice, "text");
  } else if (auto delta = choice.find("delta"); delta != choice.end() && delta->is_object()) {
    piece = text_of(*delta, "content");
    thought = text_of(*delta, "reasoning_content");
  }
  content_ += piece;
  reasoning_ += thought;
  if (const std::string finish = text_of(choice, "finish_reason"); !finish.empty()) {
    finish_ = finish;
    finished_ = true;
  }
  const int64_t n = piece.empty() && thought.empty() ? 0 : 1;
  pieces_ += n;
  return n;
}

Completion StreamAccumulator::completion() const {
  auto error = [&](std::string message) {
    return Completion{.id = id_, .finish_reason = FinishReason::kError, .error = std::move(message)};
  };
  if (!problem_.empty()) return error(problem_);
  if (finish_.empty()) {
    return error(fmt::format("the stream ended after {} pieces without a finish_reason{}", pieces_,
                             done_ ? " (got [DONE])" : " (cut half-way)"));
  }
  const std::optional<FinishReason> reason = parse_finish_reason(finish_);
  if (!reason || *reason == FinishReason::kError) {
    return error(fmt::format("server finish_reason is '{}', expected stop or length", finish_));
  }
  // As parse_response_body: split-off reasoning is rejoined in the shape an R1 model writes.
  Completion c{.id = id_,
               .text = reasoning_.empty() ? content_ : reasoning_ + "\n</think>\n\n" + content_,
               .finish_reason = *reason};
  c.prompt_tokens = std::max<int64_t>(prompt_tokens_, 0);
  c.completion_tokens = completion_tokens_ >= 0 ? completion_tokens_ : pieces_;
  return c;
}

}  // namespace boxed::inference::http
