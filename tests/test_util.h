// Helpers shared by the tests: temporary folders, running the `rodo` binary, ground truth.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "corpus/generator.h"
#include "scanners/detector.h"

namespace rodo::testing {

// A fresh folder, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  long max_rss_kib = 0;  // peak resident set of the process
};

// Runs `build/rodo` with `args` (no shell); stdin from /dev/null unless `input` is given.
CommandResult RunRodo(const std::vector<std::string>& args, const std::string& input = "");

// Starts `build/rodo` in the background (output to files in `io_dir`); Wait collects it.
struct Running {
  int pid = -1;
  std::string io_dir;
};
// `max_file_size`: a RLIMIT_FSIZE for the child (writes past it fail with EFBIG), 0 for none.
Running SpawnRodo(const std::vector<std::string>& args, const std::string& io_dir, long max_file_size = 0);
CommandResult Wait(const Running& r);

// Reads out_dir/ground_truth.jsonl.
std::vector<corpus::Planted> ReadGroundTruth(const std::string& out_dir);

std::string ReadFile(const std::string& path);

// SHA-256 of a file in hex, computed here (not by the engine's Sha256File, whose results the
// tests check).
std::string FileSha256(const std::string& path);

// Runs all detectors over `text` at once; each hit as "<bytes as written>=<normalised value>",
// only those of `kind`.
std::vector<std::string> Found(const std::string& text, DetectorKind kind);

// An independent read of an archive with libarchive (not the engine's reader): every entry
// with its metadata and data, and the archive's format and filters.
struct EntryDump {
  std::string path;
  unsigned type = 0;
  unsigned mode = 0;
  int64_t uid = 0, gid = 0;
  std::string uname, gname;
  int64_t mtime = 0;
  std::string symlink, hardlink;
  std::string data;                 // empty for a container: see `inner`
  std::vector<EntryDump> inner;     // a container's entries (by its name: .zip .gz .docx .tar)
  bool container = false;
  bool operator==(const EntryDump&) const = default;
};
struct ArchiveDump {
  int format = 0;                 // archive_format() & ARCHIVE_FORMAT_BASE_MASK
  std::vector<int> filters;       // archive_filter_code() outermost first
  std::vector<EntryDump> entries;
  std::string error;              // empty when the whole archive was read
};
ArchiveDump DumpArchive(const std::string& path);
ArchiveDump DumpMemory(const std::string& bytes);

// The entries `snapshot` must hold after erasing `subject` (redact or drop), computed from
// the archive as it was and the ground truth only.
std::vector<EntryDump> Expected(const ArchiveDump& before, const std::vector<corpus::Planted>& truth,
                                const std::string& snapshot, int subject, bool drop);
std::string VectorsDir();

}  // namespace rodo::testing
