// SHA-256 (FIPS 180-4) of a byte string, as lower-case hex: the dataset fingerprint every report
// records, so two reports on "the same" dataset can prove it.
//
//   sha256_hex("abc")  // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#pragma once

#include <string>
#include <string_view>

namespace boxed::datasets {

std::string sha256_hex(std::string_view bytes);

}  // namespace boxed::datasets
