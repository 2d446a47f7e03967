// Keyed hashing of identifiers: HMAC-SHA-256 under a 32-byte secret key, so the index can
// find an identifier again without ever storing it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "engine/status.h"
#include "scanners/hit.h"

namespace rodo {

// 16 bytes of HMAC-SHA-256: collisions are out of reach at any index size.
using IdentifierHash = std::array<uint8_t, 16>;

class KeyedHasher {
 public:
  // Loads the key from `path`, or creates it (32 random bytes, mode 0600) when it is missing.
  // Refuses a key file that is readable by others or has the wrong size.
  static StatusOr<KeyedHasher> LoadOrCreate(const std::string& path);
  explicit KeyedHasher(const std::array<uint8_t, 32>& key);

  // Hash of (detector, normalised value). Not thread-safe: one hasher per thread.
  IdentifierHash Hash(DetectorKind kind, std::string_view normalised) const;

 private:
  struct State;
  std::shared_ptr<State> state_;  // SHA-256 states after the HMAC inner and outer key blocks
};

// Lower-case hex of bytes, and back (nullopt unless exactly 2 * N hex digits).
std::string ToHex(const uint8_t* p, size_t n);
std::optional<IdentifierHash> HashFromHex(const std::string& s);

// Hex SHA-256 of a whole file (certificates), and a fast content fingerprint (size, first and
// last 64 KiB) used to notice changed snapshots without reading them whole.
StatusOr<std::string> Sha256File(const std::string& path);
StatusOr<std::string> FingerprintFile(const std::string& path, uint64_t size);

}  // namespace rodo
