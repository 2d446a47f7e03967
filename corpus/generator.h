// Deterministic generator of sample snapshots of a small company's backups, with the ground
// truth of every planted identifier. Its own identifier arithmetic (check digits, mod-97) is
// written independently of scanners/, so tests never take truth from the code under test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rodo::corpus {

struct Options {
  uint64_t seed = 1;
  uint64_t bytes = 4 << 20;  // decoded bytes per snapshot (approximate)
  int snapshots = 1;         // snapshots per format
  int subjects = 24;
  bool dense = false;        // an identifier every ~50 bytes instead of every ~2 KB
  // Formats: tar, tar.gz, tar.zst, tar.xz, tar.bz2, tar.lz4, pax, ustar, gnutar, zip, 7z, cpio,
  // cpio.gz, gz (bare compressed single file).
  std::vector<std::string> formats = {"tar", "tar.gz", "tar.zst", "zip"};
};

struct Subject {
  int id = 0;
  std::string name;
  std::string pesel;
  std::string email;  // as written (mixed case); normalised is lower case
  std::string iban;   // electronic form, e.g. PL61109010140000071219812874
};

// One planted identifier: where it is and what it is.
struct Planted {
  std::string snapshot;               // file name inside out_dir/snapshots
  std::vector<std::string> entry;     // entry path, outside in
  std::string field;                  // "content" or "name"
  uint64_t offset = 0;
  uint32_t length = 0;
  std::string detector;               // pesel, email, iban
  std::string value;                  // normalised
  int subject = 0;                    // -1: an organisation's address, not a person
};

struct Result {
  std::vector<Subject> subjects;
  std::vector<std::string> snapshot_files;  // absolute paths
  uint64_t planted = 0;
  uint64_t decoded_bytes = 0;               // per format
};

// Writes snapshots into `out_dir`/snapshots, plus `out_dir`/ground_truth.jsonl (one Planted per
// line; `snapshot` is the file name inside snapshots/) and `out_dir`/subjects.json.
// Throws std::runtime_error on I/O failure.
Result Generate(const Options& options, const std::string& out_dir);

// Independent identifier arithmetic, also used by tests to build inputs.
std::string MakePesel(uint64_t& rng_state, bool valid);
std::string PeselWithCheckDigit(const std::string& first10);
int Mod97(const std::string& iban);  // 1 for a valid IBAN (upper case, no spaces)
std::string IbanWithCheckDigits(const std::string& country, const std::string& bban);
std::string PrintedIban(const std::string& electronic);  // groups of 4
uint64_t NextRandom(uint64_t& state);                     // splitmix64

// An archive built in memory (libarchive format and filter codes), for tests of nesting.
std::string PackArchive(int format, int filter, const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace rodo::corpus
