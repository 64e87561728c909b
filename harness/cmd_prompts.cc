// `boxed prompts`: the exact messages a run sends, with ids and gold answers, as JSONL.
#include <fmt/format.h>

#include "datasets/dataset.h"
#include "harness/commands.h"
#include "harness/scoring.h"
#include "inference/tools.h"

namespace boxed::harness {

void add_prompts_command(CLI::App& app, int& /*exit_code*/) {
  struct Args {
    std::string task, dataset;
    uint64_t seed = 0;
    int limit = 0;
    std::vector<std::string> fields;
    std::string model, chat_template;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "prompts",
      "Print the prompts a run of the task would send, one JSONL line per problem:\n"
      "{\"problem_id\", \"gold\", \"messages\": [{\"role\", \"content\"}], \"choice_order\"?}.\n"
      "For GPQA the choices are shuffled per question from (question id, --seed) and \"gold\" is\n"
      "the correct letter under that shuffle. With --model or --chat-template each line also has\n"
      "\"prompt\": the exact text the model sees (its chat template, generation prompt included).\n"
      "Use it to inspect prompts and to build test inputs.");
  cmd->add_option("--task", args->task, "Task name: aime24, aime25, math500, gpqa_diamond, amc23")->required();
  cmd->add_option("--dataset", args->dataset, "The task's dataset file")->required();
  cmd->add_option("--seed", args->seed, "Run seed (decides GPQA choice order)");
  cmd->add_option("--limit", args->limit, "Only the first N problems (0 = all)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--field", args->fields, "Dataset field mapping CANONICAL=NAME_IN_FILE (repeatable)")
      ->expected(1)  // one value per flag (repeat the flag), so positionals after it stay positionals
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--model", args->model,
                  "Model directory, tokenizer_config.json or .gguf file whose chat template renders "
                  "\"prompt\"");
  cmd->add_option("--chat-template", args->chat_template,
                  "Chat template for \"prompt\" instead of the model's: deepseek-r1, chatml, qwen2.5, "
                  "smollm, llama3, raw, "
                  "or a file");
  cmd->callback([args] {
    const datasets::TaskSpec& spec = resolve_task(args->task);
    const datasets::LoadedDataset data =
        datasets::load_dataset(spec, args->dataset, datasets::parse_field_mappings(args->fields));
    const std::vector<TaskPrompt> prompts = build_task_prompts(spec, data, args->seed);
    const size_t count = args->limit > 0 ? std::min(prompts.size(), static_cast<size_t>(args->limit)) : prompts.size();
    for (size_t i = 0; i < count; ++i) {
      const TaskPrompt& p = prompts[i];
      nlohmann::ordered_json line = {{"task", spec.name}, {"problem_id", p.problem_id}, {"gold", p.gold}};
      nlohmann::ordered_json messages = nlohmann::ordered_json::array();
      for (const inference::Message& m : p.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
      line["messages"] = std::move(messages);
      if (!args->model.empty() || !args->chat_template.empty()) {
        line["prompt"] = inference::render_chat_prompt(args->model, p.messages, args->chat_template);
      }
      if (!p.choice_order.empty()) line["choice_order"] = p.choice_order;
      fmt::print("{}\n", line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    }
  });
}

}  // namespace boxed::harness
