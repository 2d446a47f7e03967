// UTF-16 text narrowed to one byte per code unit, so the byte-oriented detectors can match it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rodo {

// Feed it an entry's bytes in pieces of any size, BOM included. The 2-byte BOM is skipped and
// a code unit above 0xFF becomes 0xFF (a byte no detector takes), so narrowed offset i is
// entry byte 2 + 2 * i. An odd trailing byte is kept for the next piece.
class Utf16Narrower {
 public:
  explicit Utf16Narrower(bool big_endian = false) { Reset(big_endian); }
  void Reset(bool big_endian) {
    big_endian_ = big_endian;
    bom_left_ = 2;
    have_odd_ = false;
  }

  // Writes the narrowed form of `in[0, n)` to `out` (room for (n + 1) / 2 bytes); returns
  // how many bytes it wrote.
  size_t Feed(const char* in, size_t n, char* out) {
    size_t written = 0;
    for (size_t i = 0; i < n; ++i) {
      if (bom_left_ > 0) {
        --bom_left_;
        continue;
      }
      if (!have_odd_) {
        odd_ = static_cast<unsigned char>(in[i]);
        have_odd_ = true;
        continue;
      }
      const unsigned char second = static_cast<unsigned char>(in[i]);
      const unsigned char hi = big_endian_ ? odd_ : second;
      const unsigned char lo = big_endian_ ? second : odd_;
      out[written++] = static_cast<char>(hi == 0 ? lo : 0xFF);
      have_odd_ = false;
    }
    return written;
  }

 private:
  bool big_endian_ = false;
  int bom_left_ = 2;
  bool have_odd_ = false;
  unsigned char odd_ = 0;
};

}  // namespace rodo
