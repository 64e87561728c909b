// StreamDecoder: text comes out as soon as characters complete, never half a UTF-8 character,
// and the pieces add up to decode() of the whole sequence.
#include <gtest/gtest.h>

#include "inference/tokenizer/tiny_tokenizer.h"
#include "inference/tokenizer/tokenizer.h"

namespace boxed::inference::tokenizer {
namespace {

bool ends_on_boundary(const std::string& s) {
  for (size_t back = 1; back <= 4 && back <= s.size(); ++back) {
    const auto c = static_cast<unsigned char>(s[s.size() - back]);
    if ((c & 0xC0) == 0x80) continue;
    const size_t need = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    return need == back;
  }
  return s.empty();
}

std::string nlohmann_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s)
    out += c < 0x80 ? std::string(1, static_cast<char>(c)) : "\\x" + std::to_string(c);
  return out;
}

const Tokenizer& tiny() {
  static const Tokenizer tok = Tokenizer::from_json_text(make_tiny_tokenizer_json().dump(), "t");
  return tok;
}

TEST(StreamDecoderTest, HoldsBackBytesOfAnUnfinishedCharacter) {
  // The tiny vocabulary has no CJK merges: "日" (E6 97 A5) is three byte tokens.
  const std::vector<int32_t> ids = tiny().encode("日", false);
  ASSERT_EQ(ids.size(), 3u);
  StreamDecoder sd(tiny());
  EXPECT_EQ(sd.push(ids[0]), "");
  EXPECT_EQ(sd.push(ids[1]), "");
  EXPECT_EQ(sd.push(ids[2]), "日");
  EXPECT_EQ(sd.finish(), "");
}

TEST(StreamDecoderTest, PiecesAreWholeCharactersAndAddUp) {
  const std::string texts[] = {"Größe 日本語 🙂👨‍👩‍👧 done",
                               "\\boxed{42} ½ ∑ Привет", "<think>\nä</think>ö"};
  for (const std::string& text : texts) {
    const std::vector<int32_t> ids = tiny().encode(text, true);
    StreamDecoder sd(tiny());
    std::string joined;
    for (int32_t id : ids) {
      const std::string piece = sd.push(id);
      EXPECT_EQ(piece.find("\xEF\xBF\xBD"), std::string::npos) << "U+FFFD in a piece of " << text;
      // A piece never ends inside a multi-byte character: its last lead byte is complete.
      EXPECT_TRUE(ends_on_boundary(piece)) << nlohmann_escape(piece);
      joined += piece;
    }
    joined += sd.finish();
    EXPECT_EQ(joined, tiny().decode(ids));
    EXPECT_EQ(joined, text);
  }
}

TEST(StreamDecoderTest, FinishFlushesAnIncompleteTailAsReplacement) {
  const std::vector<int32_t> ids = tiny().encode("日", false);
  StreamDecoder sd(tiny());
  EXPECT_EQ(sd.push(ids[0]), "");
  EXPECT_EQ(sd.finish(), "\xEF\xBF\xBD");  // as decode() of the truncated sequence
  EXPECT_EQ(tiny().decode(std::vector<int32_t>{ids[0]}), "\xEF\xBF\xBD");
}

TEST(StreamDecoderTest, SkipSpecial) {
  const std::vector<int32_t> ids = tiny().encode("<｜begin▁of▁sentence｜>hi<｜end▁of▁sentence｜>");
  StreamDecoder sd(tiny(), /*skip_special=*/true);
  std::string out;
  for (int32_t id : ids) out += sd.push(id);
  EXPECT_EQ(out + sd.finish(), "hi");
}

}  // namespace
}  // namespace boxed::inference::tokenizer
