// Walks every entry of a snapshot at every depth: archives inside archives, bare compressed
// files, zip-based documents, detected by their first bytes. Streaming (7z excepted: it needs
// random access and is read into memory up to a cap), with bounds on depth and on
// decompression (bombs), and warnings for what could not be opened.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/archive_reader.h"
#include "engine/status.h"

namespace rodo {

struct WalkLimits {
  int max_depth = 8;                         // containers opened inside containers
  double max_ratio = 1000;                   // decoded / compressed bytes of a nested container
  uint64_t max_inner_bytes = 64ull << 30;    // decoded bytes of one nested container
  uint64_t max_memory_archive = 64ull << 20; // a nested 7z is read into memory up to this size
};

enum class TextEncoding { kBytes, kUtf16Le, kUtf16Be };

class EntryWalker {
 public:
  EntryWalker(std::unique_ptr<ArchiveReader> top, const WalkLimits& limits);
  ~EntryWalker();
  EntryWalker(const EntryWalker&) = delete;
  EntryWalker& operator=(const EntryWalker&) = delete;

  // Moves to the next entry at any depth; *has = false at the end. An error is one of the
  // snapshot itself; problems inside nested containers become warnings.
  Status Next(bool* has);
  // The current entry: names from the outside in.
  const std::vector<std::string>& path() const { return names_; }
  // True when the entry's bytes are to be read with Read (a file that is not a container
  // that was opened; its inner entries follow as entries of their own).
  bool has_data() const { return has_data_; }
  TextEncoding encoding() const { return encoding_; }
  // Reads the current entry's bytes as stored (a UTF-16 entry with its BOM).
  StatusOr<size_t> Read(char* buf, size_t n);
  // Warnings since the last call ("<entry path>: <reason>").
  std::vector<std::string> TakeWarnings();
  // Bytes of the snapshot file consumed so far.
  int64_t consumed() const;

 private:
  struct Frame;
  void Warn(const std::string& reason);
  void Pop();

  WalkLimits limits_;
  std::vector<std::unique_ptr<Frame>> frames_;
  std::vector<std::string> names_;
  std::vector<std::string> warnings_;
  bool has_data_ = false;
  TextEncoding encoding_ = TextEncoding::kBytes;
};

// "a/b.zip > c.docx > word/document.xml" for messages.
std::string DisplayPath(const std::vector<std::string>& names);

}  // namespace rodo
