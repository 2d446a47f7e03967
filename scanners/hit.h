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
// scanned bytes). 16 bytes, so millions can be sorted and moved cheaply; the normalised value
// is derived from the hit's bytes with NormaliseFound when it is needed.
struct Hit {
  uint64_t offset = 0;
  uint32_t length = 0;
  DetectorKind kind = DetectorKind::kPesel;
};

// The one rule for overlapping hits: a hit lying inside one already kept (the digits of an
// IBAN or of an e-mail's local part that also pass as a PESEL) is dropped. Hits must come in
// offset order; used within a window, across windows and across pipeline chunks alike.
class ContainedHitFilter {
 public:
  bool Keep(const Hit& h) {
    const uint64_t end = h.offset + h.length;
    if (end <= covered_end_) return false;
    covered_end_ = end;
    return true;
  }
  void Reset() { covered_end_ = 0; }

 private:
  uint64_t covered_end_ = 0;
};

// The normalised value of an identifier a detector found, from its bytes as written
// (`raw`: exactly the hit's bytes). Writes into `out` (reusing its capacity).
void NormaliseFound(DetectorKind kind, std::string_view raw, std::string& out);

// The display form stored in the index and printed: `85*******12`, `j***@example.com`,
// `PL61 **** **** 2874`. Takes a normalised value.
std::string MaskValue(DetectorKind kind, std::string_view normalised);

}  // namespace rodo
