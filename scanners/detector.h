// The interface every detector implements.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scanners/hit.h"

namespace rodo {

// A window of bytes handed to a detector. Bytes before `from` are left context only;
// bytes at or after `limit` are right context only. A detector reports exactly the
// identifiers that start in [from, limit). The caller guarantees that every identifier
// starting before `limit`, together with the byte after it, lies inside the window
// (limit + kRightContext <= size) unless `at_end` says the window ends with the stream.
struct Window {
  const char* data = nullptr;
  size_t size = 0;
  size_t from = 0;
  size_t limit = 0;
  uint64_t base_offset = 0;  // absolute offset of data[0] in the stream
};

// Bytes of left context a window must carry (boundary checks look one byte back).
inline constexpr size_t kLeftContext = 8;
// Bytes of right context after `limit`: longer than any identifier plus its lookahead.
inline constexpr size_t kRightContext = 400;

class Detector {
 public:
  virtual ~Detector() = default;
  virtual DetectorKind kind() const = 0;

  // Appends to `out` every identifier of this detector's kind that starts in
  // [w.from, w.limit), with absolute offsets. Allocates nothing once `out` has capacity.
  virtual void Scan(const Window& w, std::vector<Hit>& out) const = 0;

  // The normalised value of `input` if it is one valid identifier of this kind written in
  // any accepted form (used by `locate` and `erase`), else nullopt.
  virtual std::optional<std::string> Normalise(std::string_view input) const = 0;
};

std::unique_ptr<Detector> MakePeselDetector();
std::unique_ptr<Detector> MakeEmailDetector();


std::unique_ptr<Detector> MakeIbanDetector();

// The three detectors together; hits come out sorted by offset. One instance per thread
// (RE2 objects are not shared across threads to avoid lock contention).
class DetectorSet {
 public:
  DetectorSet();
  void Scan(const Window& w, std::vector<Hit>& out) const;
  const Detector& Get(DetectorKind kind) const { return *detectors_[static_cast<int>(kind)]; }

 private:
  std::unique_ptr<Detector> detectors_[kDetectorCount];
};

}  // namespace rodo
