// Reading fields of a JSON document that boxed or another tool wrote, with errors that name the
// document and the field's path: "<name>: <path>.<key>: missing" or "<name>: <path>.<key>:
// expected an integer, found string" — never a bare JSON library message.
//
//   const JsonReader r("run/report.json");
//   const int n = r.get<int>(task, "n_samples", "tasks.0");       // tasks.0.n_samples
//   const json& modes = r.array(task, "modes", "tasks.0");
#pragma once

#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace boxed::reports {

class JsonReader {
 public:
  explicit JsonReader(std::string name) : name_(std::move(name)) {}

  // obj[key]; obj must be an object holding key. `path` is obj's own path ("" at the top).
  const nlohmann::json& at(const nlohmann::json& obj, const std::string& key, const std::string& path) const {
    if (!obj.is_object()) fail(path, "an object", obj);
    const auto it = obj.find(key);
    if (it == obj.end()) {
      throw std::runtime_error(fmt::format("{}: {}{}: missing", name_, path.empty() ? "" : path + ".", key));
    }
    return *it;
  }
  // obj[key] as T, its JSON type checked first (string, boolean, integer — non-negative for an
  // unsigned T — or number).
  template <typename T>
  T get(const nlohmann::json& obj, const std::string& key, const std::string& path) const {
    const nlohmann::json& v = at(obj, key, path);
    const std::string where = path.empty() ? key : path + "." + key;
    if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) fail(where, "a string", v);
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) fail(where, "a boolean", v);
    } else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
      if (!v.is_number_unsigned()) fail(where, "a non-negative integer", v);
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer()) fail(where, "an integer", v);
    } else if constexpr (std::is_floating_point_v<T>) {
      if (!v.is_number()) fail(where, "a number", v);
    }
    return v.get<T>();
  }
  const nlohmann::json& array(const nlohmann::json& obj, const std::string& key, const std::string& path) const {
    const nlohmann::json& v = at(obj, key, path);
    if (!v.is_array()) fail(path.empty() ? key : path + "." + key, "an array", v);
    return v;
  }
  [[noreturn]] void fail(const std::string& path, const char* expected, const nlohmann::json& found) const {
    throw std::runtime_error(
        fmt::format("{}: {}: expected {}, found {}", name_, path, expected, found.type_name()));
  }

 private:
  std::string name_;
};

}  // namespace boxed::reports
