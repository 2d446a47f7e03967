// libFuzzer: the archive walker over arbitrary bytes, at every depth, reading every entry.
// Nothing may crash, hang or grow without bound; errors and warnings are fine.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/entry_walker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto reader = rodo::ArchiveReader::OpenMemory(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!reader.ok()) return 0;
  rodo::WalkLimits limits;
  limits.max_inner_bytes = 8 << 20;
  limits.max_ratio = 100;
  limits.max_memory_archive = 4 << 20;
  rodo::EntryWalker walker(std::move(reader.value()), limits);
  std::vector<char> buf(65536);
  uint64_t total = 0;
  for (int entries = 0; entries < 10000; ++entries) {
    bool has = false;
    if (!walker.Next(&has).ok() || !has) break;
    while (walker.has_data() && total < (64u << 20)) {
      auto n = walker.Read(buf.data(), buf.size());
      if (!n.ok() || *n == 0) break;
      total += *n;
    }
    (void)walker.TakeWarnings();
  }
  return 0;
}
