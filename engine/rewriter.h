// Rewrites one snapshot into a new file of the same archive format and filter, redacting or
// dropping exactly the occurrences of one subject's identifiers and copying everything else
// (entry data byte for byte, and metadata) as it was.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/entry_walker.h"
#include "engine/keyed_hash.h"
#include "engine/status.h"
#include "scanners/hit.h"

namespace rodo {

enum class EraseMode { kRedact, kDrop };

// Decides whether a found identifier belongs to the subject: by keyed hash, so a resumed
// request needs no plain values. Remembers recent answers (values repeat a lot).
class SubjectMatcher {
 public:
  SubjectMatcher(const KeyedHasher& hasher, std::vector<IdentifierHash> subject);
  bool Matches(DetectorKind kind, std::string_view normalised);

 private:
  KeyedHasher hasher_;
  std::vector<IdentifierHash> subject_;
  std::unordered_map<std::string, bool> memo_;
  std::string key_;
};

struct RewriteStats {
  uint64_t entries_in = 0;
  uint64_t entries_out = 0;
  uint64_t occurrences = 0;  // subject occurrences redacted (or held by dropped entries)
  uint64_t dropped = 0;      // entries left out (drop mode)
};

// Reads `src`, writes the rewritten archive to `dst` (created; not synced: the caller syncs).
// Containers inside (to `limits.max_depth`) are rewritten the same way, each in its own
// format, through temporary files named after `dst`; a container without the subject keeps
// its bytes. Fails with kUnsupported when libarchive cannot write a format or filter.
StatusOr<RewriteStats> RewriteSnapshot(const std::string& src, const std::string& dst, SubjectMatcher& matcher,
                                       EraseMode mode, const WalkLimits& limits = {});

}  // namespace rodo
