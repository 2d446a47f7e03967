// libFuzzer: the detectors over arbitrary bytes. Every hit lies inside the input, hits are
// ordered, and each hit's bytes normalise (as `locate` would) to the value the scan stores.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "scanners/detector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const rodo::DetectorSet detectors;
  std::vector<rodo::Hit> hits;
  const char* p = reinterpret_cast<const char*>(data);
  detectors.Scan(rodo::Window{p, size, 0, size, 0}, hits);
  uint64_t last = 0;
  std::string value;
  for (const rodo::Hit& h : hits) {
    if (h.offset + h.length > size || h.offset < last) std::abort();
    last = h.offset;
    std::string_view raw(p + h.offset, h.length);
    rodo::NormaliseFound(h.kind, raw, value);
    auto again = detectors.Get(h.kind).Normalise(raw);
    if (!again || *again != value) std::abort();
  }
  for (int k = 0; k < rodo::kDetectorCount; ++k)
    (void)detectors.Get(static_cast<rodo::DetectorKind>(k)).Normalise(std::string_view(p, size));
  return 0;
}
