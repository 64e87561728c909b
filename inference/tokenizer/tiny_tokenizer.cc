// The tiny model's tokenizer: byte-level BPE learnt from a built-in corpus (see the header).
#include "inference/tokenizer/tiny_tokenizer.h"

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "inference/tokenizer/byte_level.h"
#include "inference/tokenizer/pre_tokenizer.h"

namespace boxed::inference::tokenizer {
namespace {

// Written for this project: the kind of text the tiny model sees in `boxed demo` (competition
// math in English and LaTeX, R1-style reasoning, a boxed final answer).
constexpr std::string_view kCorpus = R"(
Let us think step by step. We need to find the value of x such that the equation holds.
First, note that the sum of the first n positive integers is n(n+1)/2. Therefore the answer is
\boxed{42}. The final answer is \boxed{7}. So the answer is \boxed{\frac{1}{2}}.
Let $x$ be a real number with $x^2 - 5x + 6 = 0$. Then $(x-2)(x-3) = 0$, so $x = 2$ or $x = 3$.
The probability that the sum of the two dice is even is $\frac{1}{2}$, and the expected value
is $\frac{7}{2}$. We compute $\sqrt{16} = 4$ and $\sqrt{2} \approx 1.414$.
Consider the triangle $ABC$ with $AB = 13$, $BC = 14$, and $CA = 15$. The area of the triangle
is $84$, by Heron's formula. The radius of the inscribed circle is $r = \frac{84}{21} = 4$.
Find the number of ordered pairs $(a, b)$ of positive integers such that $a + b = 100$ and
$\gcd(a, b) = 1$. The answer is $\phi(100) = 40$. Hence the answer is \boxed{40}.
Wait, let me check this again. If $n = 10$, then $n^2 = 100$ and $2^n = 1024$. That is correct.
Hmm, I think the function $f(x) = \sin(x) + \cos(x)$ has maximum value $\sqrt{2}$.
Therefore, the remainder when $2^{2024}$ is divided by $7$ is $2^{2024 \bmod 3} = 2^2 = 4$.
Which of the following is the correct answer? (A) 12 (B) 15 (C) 18 (D) 21. The answer is (C).
The electron has a charge of $-1.6 \times 10^{-19}$ coulombs, and the proton has the opposite
charge. The energy of the photon is $E = h \nu$, where $h$ is Planck's constant.
In the reaction, the molecule loses one hydrogen atom, so the product is an alkene.
We are given that $\sum_{k=1}^{n} k^2 = \frac{n(n+1)(2n+1)}{6}$ and we want the value at n = 20.
Let $P(x)$ be a polynomial of degree $3$ with real coefficients. The roots of the polynomial are
$1$, $2$, and $3$, so $P(x) = (x-1)(x-2)(x-3)$ and the constant term is $-6$.
Okay, so the question asks for the smallest integer $n$ greater than one for which the number
$n!$ is divisible by $1000$. Since $1000 = 2^3 \cdot 5^3$, we need three factors of five,
so $n = 15$. Let me verify: $15!$ has $\lfloor 15/5 \rfloor = 3$ factors of five. Yes.
The matrix $\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}$ has determinant $-2$ and trace $5$.
Thus the integral $\int_0^1 x^2 \, dx = \frac{1}{3}$, and the limit $\lim_{x \to 0}
\frac{\sin x}{x} = 1$. In conclusion, the answer is \boxed{3}.
)";

struct Word {
  std::vector<std::string> symbols;  // in the byte-level alphabet
  int64_t count = 0;
};

}  // namespace

nlohmann::json make_tiny_tokenizer_json() {
  // Words of the corpus as the Qwen2 pre-tokenizer cuts them (digits one by one).
  const PreTokenizer pre = PreTokenizer::for_family(PreFamily::kQwen2);
  std::vector<std::string_view> pieces;
  pre.split(kCorpus, pieces);
  std::map<std::string, int64_t> counts;  // ordered: the training is deterministic
  for (std::string_view p : pieces) ++counts[to_byte_level(p)];
  std::vector<Word> words;
  for (const auto& [text, count] : counts) {
    Word w;
    w.count = count;
    for (size_t i = 0; i < text.size();) {
      uint32_t cp = 0;
      const int len = next_code_point(text, i, cp);
      w.symbols.emplace_back(text.substr(i, static_cast<size_t>(len)));
      i += static_cast<size_t>(len);
    }
    words.push_back(std::move(w));
  }

  nlohmann::json vocab = nlohmann::json::object();
  const auto& alphabet = byte_level_alphabet();
  for (int b = 0; b < 256; ++b) vocab[alphabet[b]] = b;
  nlohmann::json merges = nlohmann::json::array();
  int32_t next_id = 256;
  while (next_id < 256 + kTinyMergeCount) {
    // The most frequent adjacent pair whose merge is a new symbol; ties go to the smaller pair.
    std::map<std::pair<std::string, std::string>, int64_t> pairs;
    for (const Word& w : words) {
      for (size_t i = 0; i + 1 < w.symbols.size(); ++i) {
        pairs[{w.symbols[i], w.symbols[i + 1]}] += w.count;
      }
    }
    const std::pair<std::string, std::string>* best = nullptr;
    int64_t best_count = 0;
    for (const auto& [pair, count] : pairs) {
      if (count > best_count && !vocab.contains(pair.first + pair.second)) {
        best = &pair;
        best_count = count;
      }
    }
    if (best == nullptr) {
      throw std::logic_error("tiny tokenizer: the corpus yields only " +
                             std::to_string(next_id - 256) + " merges, fewer than " +
                             std::to_string(kTinyMergeCount));
    }
    const auto [left, right] = *best;
    const std::string merged = left + right;
    vocab[merged] = next_id++;
    merges.push_back(nlohmann::json::array({left, right}));
    for (Word& w : words) {
      std::vector<std::string> out;
      out.reserve(w.symbols.size());
      for (size_t i = 0; i < w.symbols.size(); ++i) {
        if (i + 1 < w.symbols.size() && w.symbols[i] == left && w.symbols[i + 1] == right) {
          out.push_back(merged);
          ++i;
        } else {
          out.push_back(w.symbols[i]);
        }
      }
      w.symbols = std::move(out);
    }
  }

  // The DeepSeek-R1 special tokens and their flags, as in DeepSeek-R1-Distill-Qwen-1.5B's
  // tokenizer.json "added_tokens" (bos/eos special; the role and think markers not).
  const std::pair<const char*, bool> kSpecials[] = {{"<｜begin▁of▁sentence｜>", true},
                                                    {"<｜end▁of▁sentence｜>", true},
                                                    {"<｜User｜>", false},
                                                    {"<｜Assistant｜>", false},
                                                    {"<think>", false},
                                                    {"</think>", false}};
  nlohmann::json added = nlohmann::json::array();
  for (const auto& [content, special] : kSpecials) {
    added.push_back({{"id", next_id++},
                     {"content", content},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", special}});
  }

  // The layout of a Qwen2 tokenizer.json (Qwen2-1.5B / DeepSeek-R1-Distill-Qwen-1.5B).
  const nlohmann::json byte_level = {{"type", "ByteLevel"},
                                     {"add_prefix_space", false},
                                     {"trim_offsets", false},
                                     {"use_regex", false}};
  return {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer", {{"type", "NFC"}}},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         {{{"type", "Split"},
           {"pattern", {{"Regex", std::string(pre_family_pattern(PreFamily::kQwen2))}}},
           {"behavior", "Isolated"},
           {"invert", false}},
          byte_level}}}},
      {"post_processor", byte_level},
      {"decoder", byte_level},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", nullptr},
        {"continuing_subword_prefix", ""},
        {"end_of_word_suffix", ""},
        {"fuse_unk", false},
        {"byte_fallback", false},
        {"ignore_merges", false},
        {"vocab", vocab},
        {"merges", merges}}},
  };
}

}  // namespace boxed::inference::tokenizer
