// An OpenAI-compatible server's base URL, split into what cpp-httplib's Client takes
// ("http://host:port") and the path prefix the API lives under. Users paste URLs in every form
// servers print — "http://h:8000", "http://h:8000/", "http://h:8000/v1" — so a trailing "/v1"
// (the OpenAI API version prefix) is accepted and folded away.
//
//   Endpoint e = parse_endpoint("http://10.0.0.5:8000/v1");
//   // e.origin == "http://10.0.0.5:8000", e.base_path == ""  →  POST e.base_path + "/v1/…"
#pragma once

#include <string>
#include <string_view>

namespace boxed::inference::http {

struct Endpoint {
  std::string url;        // as given, for messages
  std::string origin;     // "http://host:port"
  std::string base_path;  // "" or "/prefix" (no trailing slash, no "/v1")
};

// Throws std::invalid_argument naming the URL for anything but http://host[:port][/path]
// (https needs a TLS build of cpp-httplib, which boxed does not use: put a TLS-terminating proxy
// in front, or use the server's plain-HTTP port).
Endpoint parse_endpoint(std::string_view url);

}  // namespace boxed::inference::http
