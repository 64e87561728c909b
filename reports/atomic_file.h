// Writes a whole file atomically: the bytes go to "<path>.tmp.<pid>", are flushed and fsync'ed,
// then renamed over <path>. A crash leaves either the old file or the new one, never half.
//
//   write_file_atomically(out_dir / "report.json", report.dump(2));
#pragma once

#include <filesystem>
#include <string_view>

namespace boxed::reports {

// Throws std::runtime_error naming the path when any step fails; the temporary is removed.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace boxed::reports
