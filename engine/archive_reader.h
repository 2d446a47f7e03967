// Streams the entries of a snapshot through libarchive: every format and filter libarchive
// reads, plus bare compressed files (`dump.sql.gz`) as one-entry snapshots.
#pragma once

#include <archive.h>
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

// Where a nested archive's bytes come from: the data of an entry of the enclosing archive.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes; 0 at the end.
  virtual StatusOr<size_t> Read(char* buf, size_t n) = 0;
};

// What the first bytes of an entry say it is.
enum class ContentKind { kPlain, kArchive, kCompressed, kSevenZip, kUtf16Le, kUtf16Be };
// `p`: the first bytes of an entry (up to kSniffBytes of them).
ContentKind SniffContent(const char* p, size_t n);
inline constexpr size_t kSniffBytes = 512;

class ArchiveReader {
 public:
  // Opens `path`. Not an archive, unreadable or corrupt: an error naming the file and reason.
  // `name_as`: the snapshot path a bare compressed file's inner entry is named after, when it
  // differs from `path` (a rewritten snapshot not yet in place).
  static StatusOr<std::unique_ptr<ArchiveReader>> Open(const std::string& path, const std::string& name_as = "");
  // Opens an archive or compressed stream whose bytes are `prefix` followed by what `source`
  // reads (a container inside an entry). `outer_name`: the enclosing entry's name, which
  // names the single inner entry of a bare compressed stream.
  static StatusOr<std::unique_ptr<ArchiveReader>> OpenNested(ByteSource* source, std::string prefix,
                                                             const std::string& outer_name);
  // Opens an archive held in memory (formats that need random access, such as 7z).
  static StatusOr<std::unique_ptr<ArchiveReader>> OpenMemory(std::string data, const std::string& outer_name);
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
  // Bytes pulled from the source of a nested reader.
  uint64_t pulled() const { return pulled_; }
  // An error of the enclosing source (not of this archive's own bytes), if any.
  const Status& source_error() const { return source_error_; }

 private:
  ArchiveReader() = default;
  Status Error(const std::string& what) const;
  // After opening with result `rc`: reads the first header (kept for the first Next).
  Status ReadFirstHeader(int rc);

  archive* a_ = nullptr;
  archive_entry* entry_ = nullptr;
  std::string path_;
  bool raw_ = false;
  bool raw_done_ = false;
  bool pending_first_ = false;
  // Nested readers.
  static la_ssize_t ReadCallback(archive* a, void* self, const void** buf);
  ByteSource* source_ = nullptr;
  std::string prefix_;
  std::string memory_;
  std::unique_ptr<char[]> block_;
  uint64_t pulled_ = 0;
  Status source_error_;
  std::string outer_name_;
};

// The inner name of a bare compressed file: `logs/app.log.gz` -> `logs/app.log`
// (`keep_dirs` false: `app.log`).
std::string StripCompressionSuffix(const std::string& name, bool keep_dirs = false);

}  // namespace rodo
