// The subject index: which identifier (as a keyed hash) stands where (snapshot, entry path,
// field, offset, length). SQLite in WAL mode; one transaction per snapshot, so a crash or kill
// mid-scan leaves the previous state of that snapshot.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/keyed_hash.h"
#include "engine/status.h"
#include "scanners/hit.h"

struct sqlite3;
struct sqlite3_stmt;

namespace rodo {

enum class Field : uint8_t { kContent = 0, kName = 1 };

struct SnapshotRecord {
  int64_t id = 0;
  std::string path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string fingerprint;
};

struct LocatedOccurrence {
  std::string snapshot;
  std::string entry_json;  // the entry path as a JSON array
  Field field = Field::kContent;
  uint64_t offset = 0;
  uint32_t length = 0;
  DetectorKind detector = DetectorKind::kPesel;
  std::string masked;
  int64_t entry_id = 0;  // entries of one snapshot are numbered in archive order
};

// An erasure request as stored: identifiers only as keyed hashes (JSON), and the report so far.
struct RequestRecord {
  std::string id;
  std::string mode;    // redact | drop
  std::string status;  // in_progress | completed | partial | failed
  std::string identifiers_json;
  std::string report_json;
  std::string created_at, updated_at;
};

struct Identifier {
  DetectorKind kind;
  std::string value;  // normalised
};

class Index {
 public:
  // Opens or creates the index at `path`; the key at `key_path` (created on first use).
  static StatusOr<std::unique_ptr<Index>> Open(const std::string& path, const std::string& key_path);
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  std::optional<SnapshotRecord> FindSnapshot(const std::string& path);

  // Re-indexes one snapshot: Begin (opens the transaction and drops the old rows), AddEntry /
  // AddOccurrence, then Commit or Abort (which keeps the old state).
  Status BeginSnapshot(const SnapshotRecord& rec);
  int64_t AddEntry(const std::string& entry_json);
  // `value`: the hit's normalised value (NormaliseFound).
  void AddOccurrence(int64_t entry_id, const Hit& hit, std::string_view value, Field field);
  Status CommitSnapshot(uint64_t entries, uint64_t bytes);
  void AbortSnapshot();

  // Every occurrence of any of `ids`, ordered by snapshot, entry, offset.
  Status Locate(const std::vector<Identifier>& ids, const std::function<void(const LocatedOccurrence&)>& fn);

  // Snapshots holding any of `hashes`, sorted; how many occurrences one snapshot holds.
  std::vector<std::string> SnapshotsWith(const std::vector<IdentifierHash>& hashes);
  uint64_t CountOccurrences(const std::string& snapshot, const std::vector<IdentifierHash>& hashes);
  std::vector<std::string> AllSnapshots();

  std::optional<RequestRecord> GetRequest(const std::string& id);
  std::vector<RequestRecord> ListRequests();
  Status PutRequest(const RequestRecord& r);  // insert or update, durably

  const KeyedHasher& hasher() const { return hasher_; }
  Status Exec(const char* sql);

 private:
  Index(sqlite3* db, KeyedHasher hasher) : db_(db), hasher_(hasher) {}
  Status Prepare();
  Status CheckVersion();
  void FinishEntry();
  void FlushOccurrences();
  static constexpr size_t kBatchRows = 64;
  static constexpr size_t kMaxCachedIdentifiers = 1 << 20;
  static constexpr size_t kBufferedRows = 32 * 1024;
  struct Row {
    int64_t identifier = 0, entry = 0, n = 0;
    uint32_t positions_at = 0, positions_len = 0;  // in blobs_
  };
  std::string blobs_;
  std::vector<std::array<int64_t, 4>> pending_;  // the current entry's (identifier, field, offset, length)
  int64_t entry_of_pending_ = 0;
  std::vector<Row> rows_;
  int64_t IdentifierId(DetectorKind kind, std::string_view value);
  Status SqlError(const std::string& what) const;


  sqlite3* db_;
  KeyedHasher hasher_;
  int64_t snapshot_id_ = 0;
  Status pending_error_;
  // Identifier ids of this process, by detector tag + normalised value (memory only).
  std::unordered_map<std::string, int64_t> identifier_ids_;
  std::string cache_key_;
  sqlite3_stmt* insert_entry_ = nullptr;
  sqlite3_stmt* insert_occurrence_ = nullptr;
  sqlite3_stmt* insert_occurrences_batch_ = nullptr;
  sqlite3_stmt* insert_snapshot_identifier_ = nullptr;
  sqlite3_stmt* insert_identifier_ = nullptr;
  sqlite3_stmt* find_identifier_ = nullptr;
};

}  // namespace rodo
