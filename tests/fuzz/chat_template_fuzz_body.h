// One fuzz iteration of the chat-template recogniser, shared by the libFuzzer target
// (chat_template_fuzz.cc) and the replay test (tests/inference/tokenizer/fuzz_replay_test.cc).
// The first byte picks what the rest is:
//   even  a Jinja template text: ChatTemplate::recognise;
//   odd   a tokenizer_config.json (its "chat_template" a string or a list of named templates):
//         ChatTemplate::load on the file, as `--chat-template FILE` and a model directory read it.
// A recognised template is applied to a small conversation. Unrecognised or unreadable input must
// end in std::runtime_error naming the source (chat_template.h) and nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "inference/engine.h"
#include "inference/tokenizer/chat_template.h"
#include "tests/fuzz/fuzz_support.h"

namespace boxed::fuzz {

inline void fuzz_chat_template_once(const uint8_t* data, size_t size) {
  using inference::tokenizer::ChatTemplate;
  FuzzInput in(data, size);
  const uint8_t which = in.take_byte();
  try {
    std::optional<ChatTemplate> t;
    if (which % 2 == 0) {
      t = ChatTemplate::recognise(in.rest(), "fuzz.jinja");
    } else {
      const std::filesystem::path dir = scratch_dir() / "chat-template";
      std::filesystem::create_directories(dir);
      write_file(dir / "tokenizer_config.json", in.rest());
      t = ChatTemplate::load((dir / "tokenizer_config.json").string(), "");
    }
    const std::vector<inference::Message> messages = {
        {.role = "system", .content = "s"}, {.role = "user", .content = "1+1?"},
        {.role = "assistant", .content = "<think>x</think>2"}, {.role = "user", .content = "ok"}};
    (void)t->apply(messages, /*add_generation_prompt=*/true);
    (void)t->apply(std::span(messages).subspan(1, 1), /*add_generation_prompt=*/false);
  } catch (const std::runtime_error&) {
  }
}

}  // namespace boxed::fuzz
