#include "inference/http/endpoint.h"

#include <fmt/format.h>

#include <cctype>
#include <stdexcept>

namespace boxed::inference::http {

Endpoint parse_endpoint(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  auto fail = [&](std::string_view why) {
    return std::invalid_argument(
        fmt::format("endpoint '{}': {}; expected http://host[:port][/path]", url, why));
  };
  if (url.starts_with("https://")) {
    throw fail("https is not supported (boxed's cpp-httplib is built without TLS)");
  }
  if (!url.starts_with(kScheme)) throw fail("no http:// scheme");
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  const size_t colon = authority.rfind(':');
  if (authority.substr(0, colon).empty()) throw fail("no host");
  if (colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5) throw fail("bad port");
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) throw fail("bad port");
    }
  }
  while (path.ends_with('/')) path.remove_suffix(1);
  if (path.ends_with("/v1")) path.remove_suffix(3);
  return Endpoint{.url = std::string(url),
                  .origin = std::string(kScheme) + std::string(authority),
                  .base_path = std::string(path)};
}

}  // namespace boxed::inference::http
