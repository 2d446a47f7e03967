// IBAN (every registry country, electronic or printed in groups of four) and the Polish
// NRB (26 digits, electronic or `NN NNNN NNNN NNNN NNNN NNNN NNNN`), reported as PL IBANs.
//
// Anchors: an IBAN holds "CCdd" (two capitals, two digits), an NRB starts a digit run; both
// are found by the SIMD digit search. The registry length decides where an IBAN ends.
#include "scanners/iban.h"

#include <algorithm>

#include "scanners/detector.h"
#include "scanners/text.h"

namespace rodo {

int IbanMod97(std::string_view iban) {
  if (iban.size() < 4) return -1;
  int rem = 0;
  auto feed = [&rem](char c) {
    if (text::IsDigit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else {
      int v = c - 'A' + 10;
      rem = (rem * 100 + v) % 97;
    }
  };
  for (size_t i = 4; i < iban.size(); ++i) feed(iban[i]);
  for (size_t i = 0; i < 4; ++i) feed(iban[i]);
  return rem;
}

bool IsValidIban(std::string_view iban, const IbanRegistry& registry) {
  if (iban.size() < 5) return false;
  const IbanCountry* c = registry.Find(iban[0], iban[1]);
  if (!c || iban.size() != c->iban_length) return false;
  if (!text::IsDigit(iban[2]) || !text::IsDigit(iban[3])) return false;
  for (size_t i = 4; i < iban.size(); ++i) {
    char ch = iban[i];
    switch (c->classes[i - 4]) {
      case 'n':
        if (!text::IsDigit(ch)) return false;
        break;
      case 'a':
        if (!text::IsUpper(ch)) return false;
        break;
      default:
        if (!text::IsDigit(ch) && !text::IsUpper(ch)) return false;
    }
  }
  return IbanMod97(iban) == 1;
}

namespace {

constexpr size_t kNrbDigits = 26;
constexpr size_t kMaxIban = 34;

inline bool IsIbanChar(char c) { return text::IsDigit(c) || text::IsUpper(c); }

class IbanDetector final : public Detector {
 public:
  DetectorKind kind() const override { return DetectorKind::kIban; }

  void Scan(const Window& w, std::vector<Hit>& out) const override {
    const char* d = w.data;
    const size_t n = w.size;
    size_t pos = w.from;
    if (pos > 0 && pos < n && text::IsDigit(d[pos - 1])) pos = text::SkipDigits(d, pos, n);
    // An IBAN starting just before `limit` has its first digit at limit + 2.
    const size_t digit_end = std::min(n, w.limit + 2);
    char value[kMaxIban + 1];
    while (pos < digit_end) {
      pos = text::FindDigit(d, pos, digit_end);
      if (pos >= digit_end) break;
      size_t run_end = text::SkipDigits(d, pos, n);
      size_t match_end = 0;
      if (pos >= 2 && text::IsUpper(d[pos - 1]) && text::IsUpper(d[pos - 2])) {
        size_t s = pos - 2;
        if (s >= w.from && s < w.limit && (s == 0 || !text::IsAlnum(d[s - 1]))) {
          match_end = MatchIban(d, s, n, value);
          if (match_end) Emit(w, s, match_end, out);
        }
      } else if (pos < w.limit && (pos == 0 || !text::IsAlpha(d[pos - 1]))) {
        match_end = MatchNrb(d, pos, run_end, n, value);
        if (match_end) Emit(w, pos, match_end, out);
      }
      pos = std::max(run_end, match_end);
    }
  }

  std::optional<std::string> Normalise(std::string_view input) const override {
    std::string v;
    for (char c : input) {
      if (c == ' ' || c == '-' || c == '.') continue;  // printed separators
      if (text::IsLower(c)) c = static_cast<char>(c - 'a' + 'A');
      if (!IsIbanChar(c)) return std::nullopt;
      v.push_back(c);
    }
    if (v.size() == kNrbDigits && std::all_of(v.begin(), v.end(), text::IsDigit)) v = "PL" + v;
    if (!IsValidIban(v, registry_)) return std::nullopt;
    return v;
  }

 private:
  static void Emit(const Window& w, size_t start, size_t end, std::vector<Hit>& out) {
    out.push_back(Hit{w.base_offset + start, static_cast<uint32_t>(end - start), DetectorKind::kIban});
  }

  // An IBAN at d[s] (country letters). Returns the end offset, or 0. Fills `value`.
  size_t MatchIban(const char* d, size_t s, size_t n, char* value) const {
    const IbanCountry* c = registry_.Find(d[s], d[s + 1]);
    if (!c) return 0;
    const size_t len = c->iban_length;
    size_t i = s;
    size_t got = 0;
    if (s + 4 < n && d[s + 4] == ' ') {
      // Printed: groups of four separated by single spaces; the last may be shorter.
      while (got < len) {
        if (got > 0 && got % 4 == 0) {
          if (i >= n || d[i] != ' ') return 0;
          ++i;
        }
        if (i >= n || !IsIbanChar(d[i])) return 0;
        value[got++] = d[i++];
      }
    } else {
      while (got < len) {
        if (i >= n || !IsIbanChar(d[i])) return 0;
        value[got++] = d[i++];
      }
    }
    if (i < n && text::IsAlnum(d[i])) return 0;  // glued to more letters or digits
    if (!IsValidIban({value, len}, registry_)) return 0;
    return i;
  }

  // An NRB starting at the digit run d[pos, run_end). Returns the end offset, or 0.
  size_t MatchNrb(const char* d, size_t pos, size_t run_end, size_t n, char* value) const {
    value[0] = 'P';
    value[1] = 'L';
    size_t i;
    if (run_end - pos == kNrbDigits) {
      std::copy(d + pos, d + run_end, value + 2);
      i = run_end;
    } else if (run_end - pos == 2) {
      value[2] = d[pos];
      value[3] = d[pos + 1];
      i = run_end;
      size_t got = 4;
      for (int group = 0; group < 6; ++group) {
        if (i + 5 > n || d[i] != ' ') return 0;
        for (int k = 1; k <= 4; ++k) {
          if (!text::IsDigit(d[i + k])) return 0;
          value[got++] = d[i + k];
        }
        i += 5;
      }
    } else {
      return 0;
    }
    if (i < n && text::IsAlnum(d[i])) return 0;
    if (!IsValidIban({value, 28}, registry_)) return 0;
    return i;
  }

  const IbanRegistry& registry_ = IbanRegistry::Default();
};

}  // namespace

std::unique_ptr<Detector> MakeIbanDetector() { return std::make_unique<IbanDetector>(); }

}  // namespace rodo
