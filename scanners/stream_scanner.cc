#include "scanners/stream_scanner.h"

#include <algorithm>

namespace rodo {

StreamScanner::StreamScanner(const DetectorSet& detectors, size_t block)
    : detectors_(detectors), block_(std::max<size_t>(block, kRightContext)) {
  buf_.reserve(block_ + kLeftContext + 2 * kRightContext);
}

void StreamScanner::Feed(std::string_view bytes, std::vector<Hit>& out, std::vector<std::string>* values) {
  while (!bytes.empty()) {
    size_t room = buf_.capacity() - buf_.size();
    size_t take = std::min(room, bytes.size());
    buf_.append(bytes.data(), take);
    bytes.remove_prefix(take);
    if (buf_.size() == buf_.capacity()) Run(false, out, values);
  }
}

void StreamScanner::Finish(std::vector<Hit>& out, std::vector<std::string>* values) {
  Run(true, out, values);
  buf_.clear();
  from_ = 0;
  base_offset_ = 0;
  contained_.Reset();
}

void StreamScanner::Run(bool at_end, std::vector<Hit>& out, std::vector<std::string>* values) {
  Window w;
  w.data = buf_.data();
  w.size = buf_.size();
  w.from = from_;
  w.limit = at_end ? buf_.size() : buf_.size() - kRightContext;
  w.base_offset = base_offset_;
  const size_t first = out.size();
  if (w.limit > w.from) detectors_.Scan(w, out);
  // A hit inside one reported by an earlier window is dropped too.
  size_t keep = first;
  for (size_t i = first; i < out.size(); ++i)
    if (contained_.Keep(out[i])) out[keep++] = out[i];
  out.resize(keep);
  if (values) {
    for (size_t i = first; i < out.size(); ++i) {
      NormaliseFound(out[i].kind, std::string_view(buf_).substr(out[i].offset - base_offset_, out[i].length),
                     values->emplace_back());
    }
  }
  if (at_end) return;
  // Keep left context + the unreported tail; the next window reports from `limit` on.
  size_t keep_from = w.limit - std::min(w.limit, kLeftContext);
  buf_.erase(0, keep_from);
  base_offset_ += keep_from;
  from_ = w.limit - keep_from;
}

}  // namespace rodo
