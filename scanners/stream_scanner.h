// Runs a DetectorSet over a byte stream that arrives in chunks of any size. Every
// identifier is reported exactly once, with its absolute offset, also when it straddles
// chunk boundaries. Memory: one buffer of `block` + context bytes, allocated once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "scanners/detector.h"

namespace rodo {

class StreamScanner {
 public:
  // `block`: how many new bytes are gathered before the detectors run.
  explicit StreamScanner(const DetectorSet& detectors, size_t block = 256 * 1024);
  StreamScanner(const StreamScanner&) = delete;
  StreamScanner& operator=(const StreamScanner&) = delete;

  // Feeds the next bytes of the stream. Hits whose identifiers are complete are appended to
  // `out` (in offset order); with `values`, their normalised values are appended to it too.
  void Feed(std::string_view bytes, std::vector<Hit>& out, std::vector<std::string>* values = nullptr);
  // Ends the stream: reports what is left. The scanner can then be reused for a new stream.
  void Finish(std::vector<Hit>& out, std::vector<std::string>* values = nullptr);
  // Stream offset up to which every identifier has been reported: hits starting at or after
  // it are still to come.
  uint64_t reported_until() const { return base_offset_ + from_; }

 private:
  void Run(bool at_end, std::vector<Hit>& out, std::vector<std::string>* values);

  const DetectorSet& detectors_;
  size_t block_;
  std::string buf_;          // context + pending bytes; capacity fixed at construction
  size_t from_ = 0;          // first offset in buf_ whose hits are not yet reported
  uint64_t base_offset_ = 0;  // stream offset of buf_[0]
  ContainedHitFilter contained_;  // across windows
};

}  // namespace rodo
