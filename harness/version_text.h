// The text of `boxed --version`: version, backends built in, backends usable on this machine.
#pragma once

#include <string>

namespace boxed::harness {

std::string version_text();

}  // namespace boxed::harness
