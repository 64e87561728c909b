#include "inference/http/openai_protocol.h"

#include <fmt/format.h>

#include <stdexcept>

namespace boxed::inference::http {

using nlohmann::json;

std::string_view api_path(bool raw_prompt) {
  return raw_prompt ? "/v1/completions" : "/v1/chat/completions";
}

json make_request_body(const Request& request, const BodyOptions& options) {
  json body = {{"model", options.model}, {"n", 1}, {"stream", options.stream}};
  if (options.stream) body["stream_options"] = {{"include_usage", true}};
  if (options.raw_prompt) {
    if (request.prompt.empty()) {
      throw std::invalid_argument(fmt::format(
          "request '{}': raw-prompt mode needs Request::prompt (the templated text), found none",
          request.id));
    }
    body["prompt"] = request.prompt;
  } else {
    if (request.messages.empty()) {
      throw std::invalid_argument(
          fmt::format("request '{}': chat mode needs at least one message, found none", request.id));
    }
    json messages = json::array();
    for (const Message& m : request.messages) {
      messages.push_back({{"role", m.role}, {"content", m.content}});
    }
    body["messages"] = std::move(messages);
  }
  const SamplingParams& s = request.sampling;
  body["temperature"] = s.temperature;
  body["top_p"] = s.top_p;
  body["max_tokens"] = s.max_tokens;
  // The per-request seed, so servers that honour it (vLLM, SGLang, llama-server) reproduce the
  // sample; the JSON number is the full unsigned 64-bit value.
  body["seed"] = request.seed;
  if (s.top_k > 0) body["top_k"] = s.top_k;
  if (s.min_p > 0.0f) body["min_p"] = s.min_p;
  if (!s.stop.empty()) body["stop"] = s.stop;
  return body;
}

namespace {

Completion error_completion(const std::string& id, std::string message) {
  return Completion{.id = id, .finish_reason = FinishReason::kError, .error = std::move(message)};
}

// A string field that may be absent or null.
std::string optional_string(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

int64_t optional_count(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

Completion parse_response_body(const std::string& id, std::string_view body, bool raw_prompt) {
  json answer = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded() || !answer.is_object()) {
    return error_completion(id, fmt::format("server answer is not a JSON object: '{}'",
                                            body.substr(0, 200)));
  }
  auto choices = answer.find("choices");
  if (choices == answer.end() || !choices->is_array() || choices->empty() ||
      !(*choices)[0].is_object()) {
    return error_completion(
        id, fmt::format("server answer has no choices[0]: '{}'", body.substr(0, 200)));
  }
  const json& choice = (*choices)[0];
  Completion c{.id = id};
  if (raw_prompt) {
    c.text = optional_string(choice, "text");
  } else {
    auto message = choice.find("message");
    if (message == choice.end() || !message->is_object()) {
      return error_completion(id, "server answer has no choices[0].message");
    }
    const std::string content = optional_string(*message, "content");
    const std::string reasoning = optional_string(*message, "reasoning_content");
    c.text = reasoning.empty() ? content : reasoning + "\n</think>\n\n" + content;
  }
  const std::string finish = optional_string(choice, "finish_reason");
  const std::optional<FinishReason> reason = parse_finish_reason(finish);
  if (!reason || *reason == FinishReason::kError) {
    return error_completion(id, fmt::format("server finish_reason is '{}', expected stop or length",
                                            finish));
  }
  c.finish_reason = *reason;
  if (auto usage = answer.find("usage"); usage != answer.end() && usage->is_object()) {
    c.prompt_tokens = optional_count(*usage, "prompt_tokens");
    c.completion_tokens = optional_count(*usage, "completion_tokens");
  }
  return c;
}

}  // namespace boxed::inference::http
