// `boxed version` (and `boxed --version`): the version and what this build can run.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "build_info.h"
#include "harness/commands.h"
#include "harness/version_text.h"
#include "inference/engine_factory.h"

namespace boxed::harness {

std::string version_text() {
  return fmt::format("boxed {}\nbackends built: {}\nbackends available now: {}\ncuda: {}",
                     build_info::kVersion, fmt::join(inference::compiled_backends(), ", "),
                     fmt::join(inference::available_backends(), ", "), inference::cuda_status());
}

void add_version_command(CLI::App& app, int& /*exit_code*/) {
  CLI::App* cmd = app.add_subcommand("version", "Print the version and the inference backends built in");
  cmd->callback([] { fmt::print("{}\n", version_text()); });
}

}  // namespace boxed::harness
