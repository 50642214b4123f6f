// Password hashing with a real key-derivation function: argon2id through libsodium
// (crypto_pwhash_str), so hashes carry their own salt and cost parameters and stay verifiable
// when the defaults change. Also the random secrets Tessera hands out (tokens, ids).
// Thread-safety: free functions, safe from any thread (libsodium is initialised once).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace tessera {

// The encoded argon2id hash ("$argon2id$v=19$m=...") of `password`. `interactive` costs
// (libsodium's OPSLIMIT/MEMLIMIT_INTERACTIVE: ~64 MiB, well under a second) unless `fast`
// (tests only: the minimum costs).
StatusOr<std::string> HashPassword(std::string_view password, bool fast = false);
// True when `password` matches `hash` (constant time in the password).
bool VerifyPassword(std::string_view password, const std::string& hash);
// `n` characters from [A-Za-z0-9] drawn from the kernel's CSPRNG.
std::string RandomSecret(size_t n);

}  // namespace tessera
