// One found identifier and the small value types shared by every detector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace rodo {

enum class DetectorKind : uint8_t { kPesel = 0, kEmail = 1, kIban = 2 };
inline constexpr int kDetectorCount = 3;

// "pesel", "email", "iban": the names CONTRACT.md uses.
std::string_view DetectorName(DetectorKind kind);
std::optional<DetectorKind> DetectorFromName(std::string_view name);

// The longest normalised value any detector produces (an email is at most 254 bytes).
inline constexpr size_t kMaxValueLength = 254;

// A hit: where an identifier stands in a stream (absolute byte offset and length in the
// scanned bytes) and its normalised value. Fixed size, so vectors of hits can be reused
// without allocating per hit.
struct Hit {
  DetectorKind kind = DetectorKind::kPesel;
  uint16_t value_length = 0;
  uint32_t length = 0;
  uint64_t offset = 0;
  char value_bytes[kMaxValueLength];

  std::string_view value() const { return {value_bytes, value_length}; }
  void set_value(std::string_view v) {
    value_length = static_cast<uint16_t>(v.size() < kMaxValueLength ? v.size() : kMaxValueLength);
    std::memcpy(value_bytes, v.data(), value_length);
  }
};

// The display form stored in the index and printed: `85*******12`, `j***@example.com`,
// `PL61 **** **** 2874`. Takes a normalised value.
std::string MaskValue(DetectorKind kind, std::string_view normalised);

}  // namespace rodo
