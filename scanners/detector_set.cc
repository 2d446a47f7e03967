#include <algorithm>

#include "scanners/detector.h"

namespace rodo {

DetectorSet::DetectorSet() {
  detectors_[static_cast<int>(DetectorKind::kPesel)] = MakePeselDetector();
  detectors_[static_cast<int>(DetectorKind::kEmail)] = MakeEmailDetector();
  detectors_[static_cast<int>(DetectorKind::kIban)] = MakeIbanDetector();
}

void DetectorSet::Scan(const Window& w, std::vector<Hit>& out) const {
  // Each detector reports in offset order: merge their runs (linear, no allocation once the
  // thread's scratch has grown) instead of sorting.
  static thread_local std::vector<Hit> merged;
  const size_t first = out.size();
  size_t bounds[kDetectorCount + 1];
  bounds[0] = first;
  for (int k = 0; k < kDetectorCount; ++k) {
    detectors_[k]->Scan(w, out);
    bounds[k + 1] = out.size();
  }
  if (out.size() - first < 2) return;
  auto before = [](const Hit& a, const Hit& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.length > b.length;
  };
  merged.clear();
  ContainedHitFilter filter;
  size_t pos[kDetectorCount];
  for (int k = 0; k < kDetectorCount; ++k) pos[k] = bounds[k];
  while (true) {
    int best = -1;
    for (int k = 0; k < kDetectorCount; ++k)
      if (pos[k] < bounds[k + 1] && (best < 0 || before(out[pos[k]], out[pos[best]]))) best = k;
    if (best < 0) break;
    const Hit& h = out[pos[best]++];
    if (filter.Keep(h)) merged.push_back(h);
  }
  out.resize(first);
  out.insert(out.end(), merged.begin(), merged.end());
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
