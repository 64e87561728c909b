// The exact messages a run sends for one problem, and the gold answer the response is graded
// against. No engine types here (datasets/ is a leaf): the harness converts ChatMessage into
// inference::Message.
//
//   Prompt p = build_prompt(*find_task("gpqa_diamond"), problem, /*run_seed=*/1234);
//   // p.messages[0].content == "Answer the following multiple choice question. ...\nA) ..."
//   // p.gold == "C" (the correct choice's letter under this seed's shuffle), p.choice_order
//   // == {2, 3, 0, 1}: letter i shows problem.choices[choice_order[i]]
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/problem.h"
#include "datasets/task.h"

namespace boxed::datasets {

struct ChatMessage {
  std::string role;  // "user" (the DeepSeek-R1 protocol uses no system prompt)
  std::string content;
};

struct Prompt {
  std::string problem_id;
  std::vector<ChatMessage> messages;
  std::string gold;  // the answer to grade against: Problem::answer, or the gold letter
  // Multiple choice only: letter i (A, B, ...) shows problem.choices[choice_order[i]]; the
  // correct answer is problem.choices[0], so gold == 'A' + position of 0 in choice_order.
  std::vector<int> choice_order;
};

// Throws std::invalid_argument when a multiple-choice problem does not have exactly as many
// choices as the template has letters (four for GPQA).
Prompt build_prompt(const TaskSpec& spec, const Problem& problem, uint64_t run_seed);

}  // namespace boxed::datasets
