// `rodo scan`: finds snapshots under paths and indexes them through a oneTBB pipeline.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/entry_walker.h"
#include "engine/index.h"
#include "engine/status.h"

namespace rodo {

struct SnapshotResult;

struct ScanOptions {
  int jobs = 0;                  // 0: number of cores
  bool full = false;             // re-scan unchanged snapshots too
  size_t chunk_size = 1 << 20;   // new bytes per pipeline token
  std::vector<std::string> exclude;  // absolute paths never treated as snapshots (the index)
  WalkLimits limits;                 // nesting depth and decompression bounds
  // Erase's verification pass: each snapshot file i is indexed under record_as[i] (the
  // snapshot it will replace); every identifier found goes to on_value; a snapshot whose
  // result accept() refuses is rolled back instead of committed.
  std::vector<std::string> record_as;
  std::function<void(DetectorKind, std::string_view)> on_value;
  std::function<bool(const SnapshotResult&)> accept;
};

struct SnapshotResult {
  enum class Outcome { kScanned, kUnchanged, kError };
  std::string path;  // absolute
  Outcome outcome = Outcome::kScanned;
  uint64_t entries = 0;      // at every depth
  uint64_t top_entries = 0;  // of the snapshot itself
  uint64_t bytes = 0;  // decoded entry bytes scanned
  std::array<uint64_t, kDetectorCount> findings{};
  double seconds = 0;
  std::string error;
  std::vector<std::string> warnings;
};

struct ScanProgress {
  size_t snapshots_done = 0;
  size_t snapshots_total = 0;
  uint64_t input_done = 0;   // snapshot file bytes consumed
  uint64_t input_total = 0;
  uint64_t decoded = 0;      // decoded bytes scanned
};

struct ScanCallbacks {
  std::function<void(const SnapshotResult&)> on_result;
  std::function<void(const ScanProgress&)> on_progress;  // may be empty
};

// The snapshot files under `paths` (files as given, folders recursively), absolute,
// sorted, without `exclude`. Paths that do not exist are returned as errors in `missing`.
std::vector<std::string> FindSnapshots(const std::vector<std::string>& paths,
                                       const std::vector<std::string>& exclude,
                                       std::vector<std::string>* missing);

// Scans the given snapshot files into `index`. Returns an error only when the index itself
// fails; per-snapshot problems are results with Outcome::kError.
Status ScanSnapshots(const std::vector<std::string>& snapshots, Index& index, const ScanOptions& options,
                     const ScanCallbacks& callbacks);

// In the index, identifiers inside entry names are masked in place (all but their first and
// last two bytes become '*'), so the index never holds them in plain text.
// The JSON array text of an entry path (names that are not valid UTF-8 are made printable).
std::string EntryPathJson(const std::vector<std::string>& names);

}  // namespace rodo
