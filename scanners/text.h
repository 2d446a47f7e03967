// Byte classes and fast anchor search shared by the detectors.
#pragma once

#include <cstddef>
#include <cstdint>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace rodo::text {

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }
inline bool IsUpper(char c) { return static_cast<unsigned char>(c - 'A') < 26; }
inline bool IsLower(char c) { return static_cast<unsigned char>(c - 'a') < 26; }
inline bool IsAlpha(char c) { return IsUpper(c) || IsLower(c); }
inline bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }

// Index of the first ASCII digit in data[pos, end), or `end`.
inline size_t FindDigit(const char* data, size_t pos, size_t end) {
#if defined(__SSE2__)
  const __m128i lo = _mm_set1_epi8('0' - 1);
  const __m128i hi = _mm_set1_epi8('9' + 1);
  while (pos + 16 <= end) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + pos));
    // Signed compares: bytes >= 0x80 are negative and never match.
    __m128i m = _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(m));
    if (mask) return pos + static_cast<size_t>(__builtin_ctz(mask));
    pos += 16;
  }
#endif
  while (pos < end && !IsDigit(data[pos])) ++pos;
  return pos;
}

// Index of the first non-digit in data[pos, end), or `end`.
inline size_t SkipDigits(const char* data, size_t pos, size_t end) {
  while (pos < end && IsDigit(data[pos])) ++pos;
  return pos;
}

}  // namespace rodo::text
