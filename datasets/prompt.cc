#include "datasets/prompt.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "datasets/choice_shuffle.h"

namespace boxed::datasets {
namespace {

// Replaces each "{name}" of the template whose name is in `values`; every other brace (the
// "\boxed{}" of the directive) stays. Substituted text is never rescanned, so a problem that
// contains "{A}" is sent as written.
std::string fill(std::string_view tmpl, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] == '{') {
      const size_t close = tmpl.find('}', i + 1);
      if (close != std::string_view::npos) {
        const auto it = values.find(std::string(tmpl.substr(i + 1, close - i - 1)));
        if (it != values.end()) {
          out += it->second;
          i = close + 1;
          continue;
        }
      }
    }
    out.push_back(tmpl[i++]);
  }
  return out;
}

}  // namespace

Prompt build_prompt(const TaskSpec& spec, const Problem& problem, uint64_t run_seed) {
  Prompt p;
  p.problem_id = problem.id;
  if (spec.loader != LoaderKind::kGpqa) {
    p.messages.push_back({"user", fill(spec.prompt_template, {{"problem", problem.question}})});
    p.gold = problem.answer;
    return p;
  }
  constexpr int kLetters = 4;  // the template shows A) .. D)
  if (problem.choices.size() != kLetters) {
    throw std::invalid_argument(fmt::format("problem '{}' (line {}): expected {} choices, found {}",
                                            problem.id, problem.line, kLetters,
                                            problem.choices.size()));
  }
  if (spec.shuffle_choices) {
    p.choice_order = shuffle_order(problem.id, run_seed, kLetters);
  } else {
    p.choice_order = {0, 1, 2, 3};
  }
  std::map<std::string, std::string> values = {{"Question", problem.question}};
  for (int i = 0; i < kLetters; ++i) {
    values[std::string(1, static_cast<char>('A' + i))] =
        problem.choices[static_cast<size_t>(p.choice_order[static_cast<size_t>(i)])];
  }
  p.messages.push_back({"user", fill(spec.prompt_template, values)});
  const auto gold_pos = std::find(p.choice_order.begin(), p.choice_order.end(), 0) - p.choice_order.begin();
  p.gold = std::string(1, static_cast<char>('A' + gold_pos));
  return p;
}

}  // namespace boxed::datasets
