// E-mail addresses: practical RFC 5321 (dot-atom local part of [A-Za-z0-9_%+-], a domain of
// hostname labels ending in a TLD of 2+ letters). Anchor: each '@' (memchr); the local part
// is found by walking left, then RE2 matches the address anchored at its start.
#include <re2/re2.h>

#include <algorithm>
#include <cstring>

#include "scanners/detector.h"
#include "scanners/text.h"

namespace rodo {
namespace {

constexpr size_t kMaxLocal = 64;
constexpr size_t kMaxAddress = 254;

inline bool IsLocalChar(char c) {
  return text::IsAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
inline bool IsDomainChar(char c) { return text::IsAlnum(c) || c == '-' || c == '_'; }

constexpr const char* kAddress =
    R"(([A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}))";

class EmailDetector final : public Detector {
 public:
  EmailDetector() : re_(kAddress) {}

  DetectorKind kind() const override { return DetectorKind::kEmail; }

  void Scan(const Window& w, std::vector<Hit>& out) const override {
    const char* d = w.data;
    const size_t n = w.size;
    // The '@' of an address starting before `limit` lies within kMaxLocal bytes after it.
    const size_t at_end = std::min(n, w.limit + kMaxLocal + 1);
    size_t pos = w.from;
    while (pos < at_end) {
      const void* p = std::memchr(d + pos, '@', at_end - pos);
      if (!p) break;
      size_t at = static_cast<size_t>(static_cast<const char*>(p) - d);
      pos = at + 1;
      size_t start = at;
      while (start > 0 && at - start <= kMaxLocal && IsLocalChar(d[start - 1])) --start;
      if (at - start > kMaxLocal) continue;  // too long to be a local part
      while (start < at && d[start] == '.') ++start;  // dots around an address are not part of it
      if (start == at || start < w.from || start >= w.limit) continue;
      size_t len = 0;
      if (!MatchAt(d + start, std::min(n - start, kMaxAddress + 2), at - start, &len)) continue;
      size_t end = start + len;
      if (end < n && (IsDomainChar(d[end]) || d[end] == '@')) continue;
      out.push_back(Hit{w.base_offset + start, static_cast<uint32_t>(len), DetectorKind::kEmail});
      pos = std::max(pos, end);
    }
  }

  std::optional<std::string> Normalise(std::string_view input) const override {
    while (!input.empty() && (input.front() == ' ' || input.front() == '<')) input.remove_prefix(1);
    while (!input.empty() && (input.back() == ' ' || input.back() == '>')) input.remove_suffix(1);
    size_t at = input.find('@');
    size_t len = 0;
    if (at == std::string_view::npos || !MatchAt(input.data(), input.size(), at, &len) ||
        len != input.size()) {
      return std::nullopt;
    }
    std::string v(input);
    for (char& c : v) {
      if (text::IsUpper(c)) c = static_cast<char>(c + 32);
    }
    return v;
  }

 private:
  // Matches an address at the start of `s` whose '@' is at `at`; sets its length.
  bool MatchAt(const char* s, size_t n, size_t at, size_t* len) const {
    re2::StringPiece input(s, n);
    re2::StringPiece m[1];
    if (!re_.Match(input, 0, n, RE2::ANCHOR_START, m, 1)) return false;
    if (m[0].size() > kMaxAddress || at > kMaxLocal || s[at] != '@') return false;
    if (static_cast<size_t>(std::find(m[0].data(), m[0].data() + m[0].size(), '@') - m[0].data()) != at)
      return false;
    *len = m[0].size();
    return true;
  }

  RE2 re_;
};

}  // namespace

std::unique_ptr<Detector> MakeEmailDetector() { return std::make_unique<EmailDetector>(); }

}  // namespace rodo
