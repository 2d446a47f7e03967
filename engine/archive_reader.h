// Streams the entries of a snapshot through libarchive: every format and filter libarchive
// reads, plus bare compressed files (`dump.sql.gz`) as one-entry snapshots.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

#include "engine/status.h"

struct archive;
struct archive_entry;

namespace rodo {

struct EntryInfo {
  std::string path;      // as stored in the container
  bool is_regular = false;  // has data to scan (files; not directories, links, devices)
  int64_t size = -1;     // from the header; -1 when unknown
};

class ArchiveReader {
 public:
  // Opens `path`. Not an archive, unreadable or corrupt: an error naming the file and reason.
  static StatusOr<std::unique_ptr<ArchiveReader>> Open(const std::string& path);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  // Moves to the next entry. Sets *has = false at the end of the archive.
  Status Next(EntryInfo* info, bool* has);
  // Reads up to `n` bytes of the current entry's data; 0 at its end.
  StatusOr<size_t> Read(char* buf, size_t n);

  archive* handle() { return a_; }
  archive_entry* entry() { return entry_; }
  bool is_raw() const { return raw_; }
  // Compressed bytes consumed so far (for progress).
  int64_t consumed() const;

 private:
  ArchiveReader() = default;
  Status Error(const std::string& what) const;

  archive* a_ = nullptr;
  archive_entry* entry_ = nullptr;
  std::string path_;
  bool raw_ = false;
  bool raw_done_ = false;
  bool pending_first_ = false;
};

// The inner name of a bare compressed file: `logs/app.log.gz` -> `app.log`.
std::string StripCompressionSuffix(const std::string& name);

}  // namespace rodo
