// Properties of answer extraction on untrusted text (extract.h, "Bounded work, linear in the
// input"), checked without a clock:
// - it never reads past the text: every prefix of every case of extract_cases.jsonl is extracted
//   from an allocation of exactly its size (AddressSanitizer, in the sanitizer build, fails on a
//   byte read past it) and from a view followed by a hostile suffix, which must not change the
//   result;
// - the memory it allocates grows linearly with the text: for hostile texts repeated to n and to
//   16 n bytes, the bytes allocated during extraction (counted by this binary's operator new) grow
//   by at most 32 times (16 for the size, 2 for vector capacity doubling), where a quadratic copy
//   would grow by 256.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include "metrics/extract.h"
#include "tests/metrics/case_table.h"

namespace {

// Counting is switched on around one extraction at a time, on this thread only.
thread_local bool counting = false;
thread_local std::size_t allocated_bytes = 0;

}  // namespace

void* operator new(std::size_t n) {
  if (counting) allocated_bytes += n;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace boxed::metrics {
namespace {

using testing::format_of;
using testing::load_cases;

bool same(const Extraction& a, const Extraction& b) {
  return a.answer == b.answer && a.source == b.source && a.from_thinking == b.from_thinking;
}

TEST(ExtractProperty, NeverReadsPastTheText) {
  // What would change the answer if extraction looked one byte too far.
  const std::string suffix = "}}\\boxed{9}</think> Answer: (D) **B** 7 $x$";
  size_t checked = 0;
  for (const auto& row : load_cases("extract_cases.jsonl")) {
    const std::string text = row.json["text"].get<std::string>();
    const AnswerFormat format = format_of(row.json["format"].get<std::string>());
    for (ExtractMode mode : {ExtractMode::kStrict, ExtractMode::kFlexible}) {
      const std::string followed = text + suffix;
      for (size_t k = 0; k <= text.size(); ++k) {
        const auto exact = std::make_unique<char[]>(k);
        std::copy_n(text.data(), k, exact.get());
        const Extraction alone = extract_answer(std::string_view(exact.get(), k), format, mode);
        const Extraction in_longer = extract_answer(std::string_view(followed).substr(0, k), format, mode);
        ASSERT_TRUE(same(alone, in_longer))
            << "line " << row.line << ", first " << k << " bytes of: " << text;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 1000u);
}

std::size_t bytes_allocated_by_extraction(const std::string& text, AnswerFormat format,
                                          ExtractMode mode) {
  (void)extract_answer("warm-up: \\boxed{1}", format, mode);  // first-use statics (RE2) not counted
  allocated_bytes = 0;
  counting = true;
  (void)extract_answer(text, format, mode);
  counting = false;
  return allocated_bytes;
}

std::string repeat(std::string_view unit, std::size_t total_bytes) {
  std::string s;
  while (s.size() < total_bytes) s.append(unit);
  return s;
}

TEST(ExtractProperty, AllocatesLinearlyInTheTextLength) {
  // The hostile shapes of adversarial_test.cc, each a unit repeated.
  const std::vector<std::string> units = {
      "\\boxed{", "\\boxed{1} then ", "\\boxed{1}", "{", "\\( ", "$x$ ", "\\[1+", "Answer: 3 ",
      "the final answer is ", "</think>", "<think>", "(A) (B) ", "**C** ", "1, ", "12345.5 ",
      "\\boxed{\\frac{1}{", "\\fbox{(C)} ", "I think it is B. ", "答案：B "};
  constexpr std::size_t kSmall = 16 * 1024;
  for (const std::string& unit : units) {
    for (AnswerFormat format : {AnswerFormat::kMath, AnswerFormat::kInteger, AnswerFormat::kChoice}) {
      for (ExtractMode mode : {ExtractMode::kStrict, ExtractMode::kFlexible}) {
        const std::size_t small = bytes_allocated_by_extraction(repeat(unit, kSmall), format, mode);
        const std::size_t large = bytes_allocated_by_extraction(repeat(unit, 16 * kSmall), format, mode);
        // + 4096: a constant (one answer of up to kMaxAnswerBytes) is not growth.
        EXPECT_LE(large, 32 * small + 4096)
            << "unit '" << unit << "', format " << static_cast<int>(format) << ", "
            << to_string(mode) << ": " << small << " bytes at " << kSmall << ", " << large
            << " at 16 times that";
      }
    }
  }
}

}  // namespace
}  // namespace boxed::metrics
