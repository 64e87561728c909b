// `boxed tasks`: every task boxed knows, with its spec version, how many problems it has, where
// its protocol and data come from, and whether its dataset is built in (so `boxed run --task T`
// needs no --dataset) or must be given as a file.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "datasets/builtin.h"
#include "datasets/dataset.h"
#include "datasets/task.h"
#include "harness/commands.h"

namespace boxed::harness {

void add_tasks_command(CLI::App& app, int& /*exit_code*/) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "tasks",
      "List every task: name, spec version, problems and bytes of the built-in dataset, whether it\n"
      "is built in, and its data source and licence. A built-in task runs with no --dataset.");
  cmd->add_flag("--json", *json, "One JSON object per task instead of a table");
  cmd->callback([json] {
    if (!*json) {
      fmt::print("{:<14} {:<16} {:>8} {:>9}  {:<9} {}\n", "task", "version", "problems", "bytes",
                 "built-in", "data source (licence)");
    }
    for (const std::string& name : datasets::task_names()) {
      const datasets::TaskSpec& spec = *datasets::find_task(name);
      const datasets::BuiltinDataset* b = datasets::find_builtin(name);
      const size_t n = b ? datasets::load_task_dataset(spec, "").problems.size() : 0;
      const std::string source =
          b ? fmt::format("{} ({})", b->source, b->license)
            : (spec.loader == datasets::LoaderKind::kGpqa
                   ? "not built in: its authors ask it never be published in plain text; "
                     "`boxed run --task gpqa_diamond` says where to get it"
                   : "not built in: give --dataset");
      if (*json) {
        nlohmann::json row = {{"task", name},
                              {"version", datasets::spec_version(spec)},
                              {"display_name", spec.display_name},
                              {"built_in", b != nullptr},
                              {"source", source},
                              {"protocol", spec.source}};
        if (b) {
          row["problems"] = n;
          row["bytes"] = b->bytes.size();
          row["sha256"] = b->sha256;
        }
        fmt::print("{}\n", row.dump());
        continue;
      }
      fmt::print("{:<14} {:<16} {:>8} {:>9}  {:<9} {}\n", name, datasets::spec_version(spec),
                 b ? std::to_string(n) : "-", b ? std::to_string(b->bytes.size()) : "-",
                 b ? "yes" : "no", source);
    }
  });
}

}  // namespace boxed::harness
