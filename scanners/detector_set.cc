#include <algorithm>

#include "scanners/detector.h"

namespace rodo {

DetectorSet::DetectorSet() {
  detectors_[static_cast<int>(DetectorKind::kPesel)] = MakePeselDetector();
  detectors_[static_cast<int>(DetectorKind::kEmail)] = MakeEmailDetector();
  detectors_[static_cast<int>(DetectorKind::kIban)] = MakeIbanDetector();
}

void DetectorSet::Scan(const Window& w, std::vector<Hit>& out) const {
  const size_t first = out.size();
  for (const auto& d : detectors_) d->Scan(w, out);
  if (out.size() - first < 2) return;
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
            [](const Hit& a, const Hit& b) {
              return a.offset != b.offset ? a.offset < b.offset : a.length > b.length;
            });
  // A hit inside a longer one (digits of an IBAN that also pass as a PESEL) is not reported.
  size_t keep = first;
  uint64_t covered_end = 0;
  for (size_t i = first; i < out.size(); ++i) {
    uint64_t end = out[i].offset + out[i].length;
    if (keep > first && end <= covered_end) continue;
    if (keep != i) out[keep] = out[i];
    ++keep;
    covered_end = std::max(covered_end, end);
  }
  out.resize(keep);
}

void NormaliseFound(DetectorKind kind, std::string_view raw, std::string& out) {
  out.clear();
  switch (kind) {
    case DetectorKind::kPesel:
      out.assign(raw);
      return;
    case DetectorKind::kEmail:
      out.assign(raw);
      for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      return;
    case DetectorKind::kIban:
      if (!raw.empty() && raw[0] >= '0' && raw[0] <= '9') out.assign("PL");  // NRB
      for (char c : raw)
        if (c != ' ') out.push_back(c);
      return;
  }
}

std::string_view DetectorName(DetectorKind kind) {
  switch (kind) {
    case DetectorKind::kPesel:
      return "pesel";
    case DetectorKind::kEmail:
      return "email";
    case DetectorKind::kIban:
      return "iban";
  }
  return "?";
}

std::optional<DetectorKind> DetectorFromName(std::string_view name) {
  if (name == "pesel") return DetectorKind::kPesel;
  if (name == "email") return DetectorKind::kEmail;
  if (name == "iban") return DetectorKind::kIban;
  return std::nullopt;
}

std::string MaskValue(DetectorKind kind, std::string_view v) {
  switch (kind) {
    case DetectorKind::kPesel:
      if (v.size() < 4) return std::string(v.size(), '*');
      return std::string(v.substr(0, 2)) + std::string(v.size() - 4, '*') +
             std::string(v.substr(v.size() - 2));
    case DetectorKind::kEmail: {
      size_t at = v.find('@');
      if (at == std::string_view::npos || at == 0) return std::string(v.size(), '*');
      return std::string(v.substr(0, 1)) + "***" + std::string(v.substr(at));
    }
    case DetectorKind::kIban:
      if (v.size() < 8) return std::string(v.size(), '*');
      return std::string(v.substr(0, 4)) + " **** **** " + std::string(v.substr(v.size() - 4));
  }
  return {};
}

}  // namespace rodo
