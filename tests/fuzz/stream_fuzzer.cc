// libFuzzer: one chunked detection run. The first two bytes choose the chunk size; the hits
// must be exactly those of a one-shot scan.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "scanners/stream_scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const rodo::DetectorSet detectors;
  const size_t chunk = 1 + (static_cast<size_t>(data[0]) << 8 | data[1]) % 1024;
  const char* p = reinterpret_cast<const char*>(data + 2);
  size -= 2;
  std::vector<rodo::Hit> one, streamed;
  detectors.Scan(rodo::Window{p, size, 0, size, 0}, one);
  rodo::StreamScanner scanner(detectors, 400);
  for (size_t pos = 0; pos < size; pos += chunk)
    scanner.Feed(std::string_view(p + pos, std::min(chunk, size - pos)), streamed);
  scanner.Finish(streamed);
  if (one.size() != streamed.size()) std::abort();
  for (size_t i = 0; i < one.size(); ++i)
    if (one[i].offset != streamed[i].offset || one[i].length != streamed[i].length || one[i].kind != streamed[i].kind)
      std::abort();
  return 0;
}
