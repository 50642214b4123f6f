// Small string helpers shared by the CLI, config, HTTP and API layers.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera {

std::string_view Trim(std::string_view s);
std::vector<std::string_view> Split(std::string_view s, char sep);
std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Whole-string integer / float parses; nullopt on any junk, overflow or emptiness.
std::optional<int64_t> ParseInt(std::string_view s);
std::optional<double> ParseDouble(std::string_view s);
// The shortest decimal text that reads back as the same double ("90", "22.5", "1e+300").
std::string FormatDouble(double v);
// "true"/"false"/"1"/"0"/"yes"/"no"/"on"/"off" (case-insensitive).
std::optional<bool> ParseBool(std::string_view s);

// Percent-decoding of URL components; `plus_as_space` for query strings. nullopt on a bad
// escape.
std::optional<std::string> UrlDecode(std::string_view s, bool plus_as_space);

// Percent-encoding of a URL component (RFC 3986 unreserved characters stay).
std::string UrlEncode(std::string_view s);

std::string HexEncode(const void* data, size_t n);
// Standard base64 (RFC 4648) with padding.
std::string Base64Encode(std::string_view s);
// Standard base64 (RFC 4648, padding optional); nullopt on a bad character.
std::optional<std::string> Base64Decode(std::string_view s);

// "1.5GiB", "512MB", "1024" -> bytes. Units: B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T (powers of 1024).
std::optional<uint64_t> ParseByteSize(std::string_view s);

// Escapes a string for inclusion in a JSON string literal (without the quotes).
std::string JsonEscape(std::string_view s);

}  // namespace tessera
