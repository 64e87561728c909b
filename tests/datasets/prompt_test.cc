#include "datasets/prompt.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "datasets/choice_shuffle.h"
#include "datasets/dataset.h"
#include "tests/datasets/test_paths.h"

namespace boxed::datasets {
namespace {

TEST(Prompt, MathDirectiveFollowsTheProblem) {
  const Problem p{.id = "60", .question = "Find $x$ if $x+1=2$.", .answer = "1"};
  const Prompt prompt = build_prompt(*find_task("aime24"), p, 0);
  ASSERT_EQ(prompt.messages.size(), 1u);  // no system prompt (DeepSeek-R1 model card)
  EXPECT_EQ(prompt.messages[0].role, "user");
  EXPECT_EQ(prompt.messages[0].content,
            "Find $x$ if $x+1=2$.\nPlease reason step by step, and put your final answer within \\boxed{}.");
  EXPECT_EQ(prompt.gold, "1");
  EXPECT_EQ(prompt.problem_id, "60");
  EXPECT_TRUE(prompt.choice_order.empty());
}

TEST(Prompt, ProblemTextIsNeverRescannedForPlaceholders) {
  const Problem p{.id = "1", .question = "Is {problem} or {A} literal?", .answer = "yes"};
  EXPECT_EQ(build_prompt(*find_task("math500"), p, 0).messages[0].content,
            "Is {problem} or {A} literal?\nPlease reason step by step, and put your final answer within \\boxed{}.");
}

TEST(Prompt, GpqaSimpleEvalsTemplateWithShuffledChoicesAndGoldLetter) {
  const LoadedDataset d = load_dataset(*find_task("gpqa_diamond"), boxed::testing::dataset_fixture("gpqa_official_layout.csv"));
  const Problem& p = d.problems[0];
  for (uint64_t seed : {0ULL, 1ULL, 1234ULL}) {
    const Prompt prompt = build_prompt(*find_task("gpqa_diamond"), p, seed);
    const std::vector<int> order = shuffle_order(p.id, seed, 4);
    EXPECT_EQ(prompt.choice_order, order);
    const auto gold_index = std::find(order.begin(), order.end(), 0) - order.begin();
    EXPECT_EQ(prompt.gold, std::string(1, static_cast<char>('A' + gold_index)));
    std::string expected =
        "Answer the following multiple choice question. The last line of your response should be of the "
        "following format: 'Answer: $LETTER' (without quotes) where LETTER is one of ABCD. Think step by "
        "step before answering.\n\nWhich particle carries the electromagnetic force?\n\n";
    for (int i = 0; i < 4; ++i) {
      expected += std::string(1, static_cast<char>('A' + i)) + ") " + p.choices[static_cast<size_t>(order[static_cast<size_t>(i)])];
      if (i < 3) expected += "\n";
    }
    EXPECT_EQ(prompt.messages[0].content, expected) << "seed " << seed;
    // The letter of the correct choice shows the correct answer's text.
    EXPECT_NE(prompt.messages[0].content.find(prompt.gold + ") The photon"), std::string::npos);
  }
}

TEST(Prompt, GpqaGoldLetterSpreadsOverTheFourLetters) {
  const TaskSpec& spec = *find_task("gpqa_diamond");
  std::vector<int> letters(4, 0);
  for (int i = 0; i < 400; ++i) {
    const Problem p{.id = "rec" + std::to_string(i), .question = "q", .answer = "a", .choices = {"a", "b", "c", "d"}};
    ++letters[static_cast<size_t>(build_prompt(spec, p, 7).gold[0] - 'A')];
  }
  for (int c : letters) EXPECT_GT(c, 60);  // about 100 each
}

TEST(Prompt, ChoiceProblemNeedsFourChoices) {
  const Problem p{.id = "x", .question = "q", .answer = "a", .choices = {"a", "b"}};
  EXPECT_THROW(build_prompt(*find_task("gpqa_diamond"), p, 0), std::invalid_argument);
}

}  // namespace
}  // namespace boxed::datasets
