#include "engine/index.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <tuple>
#include <cstring>

namespace rodo {
namespace {

constexpr const char* kSchema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
PRAGMA cache_size=-65536;
PRAGMA temp_store=MEMORY;
PRAGMA foreign_keys=OFF;
CREATE TABLE IF NOT EXISTS snapshots(
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  status TEXT NOT NULL,
  scanned_at INTEGER NOT NULL,
  entries INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS entries(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  snapshot_id INTEGER NOT NULL,
  path TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS entries_by_snapshot ON entries(snapshot_id);
CREATE TABLE IF NOT EXISTS identifiers(
  id INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  detector INTEGER NOT NULL,
  masked TEXT NOT NULL);
-- Clustered by identifier: locate reads one key range; no second index to maintain. One row
-- per (identifier, snapshot, entry): `positions` packs its n occurrences as varints
-- (field | length << 1, then offset delta), in field and offset order.
CREATE TABLE IF NOT EXISTS occurrences(
  identifier_id INTEGER NOT NULL,
  snapshot_id INTEGER NOT NULL,
  entry_id INTEGER NOT NULL,
  n INTEGER NOT NULL,
  positions BLOB NOT NULL,
  PRIMARY KEY(identifier_id, snapshot_id, entry_id)) WITHOUT ROWID;
-- Which identifiers a snapshot holds: how its occurrences are found again to drop them.
CREATE TABLE IF NOT EXISTS snapshot_identifiers(
  snapshot_id INTEGER NOT NULL,
  identifier_id INTEGER NOT NULL,
  PRIMARY KEY(snapshot_id, identifier_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS requests(
  id TEXT PRIMARY KEY,
  mode TEXT NOT NULL,
  status TEXT NOT NULL,
  identifiers TEXT NOT NULL,
  report TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
)sql";

constexpr int kSchemaVersion = 4;

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status Index::SqlError(const std::string& what) const {
  return Status::IoError("index: " + what + ": " + sqlite3_errmsg(db_));
}

StatusOr<std::unique_ptr<Index>> Index::Open(const std::string& path, const std::string& key_path) {
  auto hasher = KeyedHasher::LoadOrCreate(key_path);
  if (!hasher.ok()) return hasher.status();
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::IoError("cannot open index " + path + ": " + msg);
  }
  std::unique_ptr<Index> idx(new Index(db, *hasher));
  sqlite3_busy_timeout(db, 30000);
  // user_version 0 with tables: an index from before this schema.
  Status s = idx->Exec(kSchema);
  if (s.ok()) s = idx->CheckVersion();
  if (!s.ok()) return Status::IoError("unusable index " + path + ": " + s.message());
  s = idx->Prepare();
  if (!s.ok()) return s;
  return idx;
}

Index::~Index() {
  for (sqlite3_stmt* st : {insert_entry_, insert_occurrence_, insert_occurrences_batch_, insert_identifier_,
                           find_identifier_, insert_snapshot_identifier_})
    sqlite3_finalize(st);
  sqlite3_close(db_);
}

Status Index::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::IoError(msg);
  }
  return Status::Ok();
}

Status Index::CheckVersion() {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &st, nullptr);
  int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  if (v == kSchemaVersion) return Status::Ok();
  sqlite3_prepare_v2(db_, "SELECT COUNT(*) FROM snapshots", -1, &st, nullptr);
  int64_t rows = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (v == 0 && rows == 0) return Exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
  return Status::IoError("made by another version of rodo (schema " + std::to_string(v) + ", this rodo uses " +
                         std::to_string(kSchemaVersion) + "): scan into a new index");
}

Status Index::Prepare() {
  std::string batch_sql = "INSERT OR IGNORE INTO occurrences(identifier_id, snapshot_id, entry_id, n, positions) VALUES";
  for (size_t r = 0; r < kBatchRows; ++r) batch_sql += r ? ",(?,?,?,?,?)" : "(?,?,?,?,?)";
  struct {
    sqlite3_stmt** st;
    const char* sql;
  } stmts[] = {
      {&insert_entry_, "INSERT INTO entries(snapshot_id, path) VALUES(?,?)"},
      {&insert_occurrence_,
       "INSERT OR IGNORE INTO occurrences(identifier_id, snapshot_id, entry_id, n, positions) VALUES(?,?,?,?,?)"},
      {&insert_snapshot_identifier_, "INSERT OR IGNORE INTO snapshot_identifiers(snapshot_id, identifier_id) VALUES(?,?)"},
      {&insert_identifier_, "INSERT INTO identifiers(hash, detector, masked) VALUES(?,?,?)"},
      {&insert_occurrences_batch_, batch_sql.c_str()},
      {&find_identifier_, "SELECT id FROM identifiers WHERE hash=?"},
  };
  for (auto& s : stmts) {
    if (sqlite3_prepare_v3(db_, s.sql, -1, SQLITE_PREPARE_PERSISTENT, s.st, nullptr) != SQLITE_OK)
      return SqlError("prepare");
  }
  return Status::Ok();
}

std::optional<SnapshotRecord> Index::FindSnapshot(const std::string& path) {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "SELECT id, size, mtime_ns, fingerprint FROM snapshots WHERE path=?", -1, &st,
                     nullptr);
  sqlite3_bind_text(st, 1, path.c_str(), -1, SQLITE_TRANSIENT);
  std::optional<SnapshotRecord> rec;
  if (sqlite3_step(st) == SQLITE_ROW) {
    rec.emplace();
    rec->id = sqlite3_column_int64(st, 0);
    rec->path = path;
    rec->size = static_cast<uint64_t>(sqlite3_column_int64(st, 1));
    rec->mtime_ns = sqlite3_column_int64(st, 2);
    rec->fingerprint = reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
  }
  sqlite3_finalize(st);
  return rec;
}

Status Index::BeginSnapshot(const SnapshotRecord& rec) {
  pending_error_ = Status::Ok();
  RODO_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  sqlite3_stmt* st = nullptr;
  auto fail = [&](const char* what) {
    Status s = SqlError(what);
    sqlite3_finalize(st);
    AbortSnapshot();
    return s;
  };
  if (auto old = FindSnapshot(rec.path)) {
    snapshot_id_ = old->id;
    // The snapshot's occurrences, one key range per identifier it holds.
    const char* drops[] = {
        "DELETE FROM occurrences WHERE snapshot_id=?1 AND identifier_id IN "
        "(SELECT identifier_id FROM snapshot_identifiers WHERE snapshot_id=?1)",
        "DELETE FROM snapshot_identifiers WHERE snapshot_id=?1", "DELETE FROM entries WHERE snapshot_id=?1"};
    for (const char* sql : drops) {
      sqlite3_prepare_v2(db_, sql, -1, &st, nullptr);
      sqlite3_bind_int64(st, 1, snapshot_id_);
      if (sqlite3_step(st) != SQLITE_DONE) return fail("drop old rows");
      sqlite3_finalize(st);
      st = nullptr;
    }
    sqlite3_prepare_v2(db_,
                       "UPDATE snapshots SET size=?2, mtime_ns=?3, fingerprint=?4, status='scanning', "
                       "scanned_at=?5 WHERE id=?1",
                       -1, &st, nullptr);
    sqlite3_bind_int64(st, 1, snapshot_id_);
  } else {
    sqlite3_prepare_v2(db_,
                       "INSERT INTO snapshots(path, size, mtime_ns, fingerprint, status, scanned_at) "
                       "VALUES(?1,?2,?3,?4,'scanning',?5)",
                       -1, &st, nullptr);
    sqlite3_bind_text(st, 1, rec.path.c_str(), -1, SQLITE_TRANSIENT);
  }
  sqlite3_bind_int64(st, 2, static_cast<int64_t>(rec.size));
  sqlite3_bind_int64(st, 3, rec.mtime_ns);
  sqlite3_bind_text(st, 4, rec.fingerprint.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, NowSeconds());
  if (sqlite3_step(st) != SQLITE_DONE) return fail("record snapshot");
  sqlite3_finalize(st);
  auto row = FindSnapshot(rec.path);
  if (!row) return fail("snapshot row missing");
  snapshot_id_ = row->id;
  return Status::Ok();
}

int64_t Index::AddEntry(const std::string& entry_json) {
  sqlite3_bind_int64(insert_entry_, 1, snapshot_id_);
  sqlite3_bind_text(insert_entry_, 2, entry_json.data(), static_cast<int>(entry_json.size()), SQLITE_STATIC);
  if (sqlite3_step(insert_entry_) != SQLITE_DONE && pending_error_.ok()) pending_error_ = SqlError("add entry");
  sqlite3_reset(insert_entry_);
  return sqlite3_last_insert_rowid(db_);
}

int64_t Index::IdentifierId(DetectorKind kind, std::string_view value) {
  cache_key_.assign(1, static_cast<char>(kind));
  cache_key_.append(value);
  auto it = identifier_ids_.find(cache_key_);
  if (it != identifier_ids_.end()) return it->second;
  IdentifierHash h = hasher_.Hash(kind, value);
  int64_t id = 0;
  sqlite3_bind_blob(find_identifier_, 1, h.data(), static_cast<int>(h.size()), SQLITE_STATIC);
  if (sqlite3_step(find_identifier_) == SQLITE_ROW) id = sqlite3_column_int64(find_identifier_, 0);
  sqlite3_reset(find_identifier_);
  if (!id) {
    std::string masked = MaskValue(kind, value);
    sqlite3_bind_blob(insert_identifier_, 1, h.data(), static_cast<int>(h.size()), SQLITE_STATIC);
    sqlite3_bind_int(insert_identifier_, 2, static_cast<int>(kind));
    sqlite3_bind_text(insert_identifier_, 3, masked.c_str(), -1, SQLITE_STATIC);
    if (sqlite3_step(insert_identifier_) != SQLITE_DONE && pending_error_.ok())
      pending_error_ = SqlError("add identifier");
    sqlite3_reset(insert_identifier_);
    id = sqlite3_last_insert_rowid(db_);
  }
  // Memory stays bounded with millions of distinct identifiers: forget and start again.
  if (identifier_ids_.size() >= kMaxCachedIdentifiers) identifier_ids_.clear();
  identifier_ids_.emplace(cache_key_, id);
  return id;
}

void Index::AddOccurrence(int64_t entry_id, const Hit& hit, std::string_view value, Field field) {
  if (entry_id != entry_of_pending_) FinishEntry();
  entry_of_pending_ = entry_id;
  pending_.push_back({IdentifierId(hit.kind, value), static_cast<int64_t>(field), static_cast<int64_t>(hit.offset),
                      static_cast<int64_t>(hit.length)});
}

namespace {
void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
bool GetVarint(const unsigned char*& p, const unsigned char* end, uint64_t* v) {
  *v = 0;
  for (int shift = 0; p < end && shift < 64; shift += 7) {
    unsigned char b = *p++;
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}
}  // namespace

// The current entry's occurrences become one row per identifier.
void Index::FinishEntry() {
  if (pending_.empty()) return;
  std::sort(pending_.begin(), pending_.end());
  for (size_t i = 0; i < pending_.size();) {
    size_t j = i;
    Row row;
    row.identifier = pending_[i][0];
    row.entry = entry_of_pending_;
    row.positions_at = static_cast<uint32_t>(blobs_.size());
    int64_t prev = 0, prev_field = -1;
    for (; j < pending_.size() && pending_[j][0] == row.identifier; ++j) {
      const auto& o = pending_[j];
      if (o[1] != prev_field) prev = 0;  // offsets restart with each field
      prev_field = o[1];
      PutVarint(blobs_, static_cast<uint64_t>(o[1] | o[3] << 1));
      PutVarint(blobs_, static_cast<uint64_t>(o[2] - prev));
      prev = o[2];
      ++row.n;
    }
    row.positions_len = static_cast<uint32_t>(blobs_.size() - row.positions_at);
    rows_.push_back(row);
    i = j;
  }
  pending_.clear();
  if (rows_.size() >= kBufferedRows) FlushOccurrences();
}

// Rows are buffered, sorted by key (so B-tree inserts land near each other) and inserted
// kBatchRows per statement.
void Index::FlushOccurrences() {
  std::sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) {
    return a.identifier != b.identifier ? a.identifier < b.identifier : a.entry < b.entry;
  });
  size_t i = 0;
  while (i < rows_.size()) {
    const bool full = rows_.size() - i >= kBatchRows;
    sqlite3_stmt* st = full ? insert_occurrences_batch_ : insert_occurrence_;
    const size_t count = full ? kBatchRows : 1;
    int col = 1;
    for (size_t r = 0; r < count; ++r) {
      const Row& row = rows_[i + r];
      sqlite3_bind_int64(st, col++, row.identifier);
      sqlite3_bind_int64(st, col++, snapshot_id_);
      sqlite3_bind_int64(st, col++, row.entry);
      sqlite3_bind_int64(st, col++, row.n);
      sqlite3_bind_blob(st, col++, blobs_.data() + row.positions_at, static_cast<int>(row.positions_len),
                        SQLITE_STATIC);
    }
    if (sqlite3_step(st) != SQLITE_DONE && pending_error_.ok()) pending_error_ = SqlError("add occurrence");
    sqlite3_reset(st);
    i += count;
  }
  // The identifiers this snapshot holds (rows are sorted: one insert per identifier here).
  for (size_t r = 0; r < rows_.size(); ++r) {
    if (r > 0 && rows_[r].identifier == rows_[r - 1].identifier) continue;
    sqlite3_bind_int64(insert_snapshot_identifier_, 1, snapshot_id_);
    sqlite3_bind_int64(insert_snapshot_identifier_, 2, rows_[r].identifier);
    if (sqlite3_step(insert_snapshot_identifier_) != SQLITE_DONE && pending_error_.ok())
      pending_error_ = SqlError("record snapshot identifiers");
    sqlite3_reset(insert_snapshot_identifier_);
  }
  rows_.clear();
  blobs_.clear();
}

Status Index::CommitSnapshot(uint64_t entries, uint64_t bytes) {
  FinishEntry();
  FlushOccurrences();
  if (!pending_error_.ok()) {
    AbortSnapshot();
    return pending_error_;
  }
  sqlite3_stmt* st = nullptr;
  if (!pending_error_.ok()) {
    AbortSnapshot();
    return pending_error_;
  }
  sqlite3_prepare_v2(db_, "UPDATE snapshots SET status='indexed', entries=?2, bytes=?3 WHERE id=?1", -1, &st,
                     nullptr);
  sqlite3_bind_int64(st, 1, snapshot_id_);
  sqlite3_bind_int64(st, 2, static_cast<int64_t>(entries));
  sqlite3_bind_int64(st, 3, static_cast<int64_t>(bytes));
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    Status s = SqlError("finish snapshot");
    AbortSnapshot();
    return s;
  }
  Status s = Exec("COMMIT");
  if (!s.ok()) {
    AbortSnapshot();
    return Status::IoError("index: commit: " + s.message());
  }
  return Status::Ok();
}

void Index::AbortSnapshot() {
  pending_.clear();
  rows_.clear();
  blobs_.clear();
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  identifier_ids_.clear();  // ids made in the rolled-back transaction are gone
}

std::vector<std::string> Index::SnapshotsWith(const std::vector<IdentifierHash>& hashes) {
  std::vector<std::string> out;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_,
                     "SELECT DISTINCT s.path FROM identifiers i JOIN occurrences o ON o.identifier_id=i.id "
                     "JOIN snapshots s ON s.id=o.snapshot_id WHERE i.hash=?",
                     -1, &st, nullptr);
  for (const IdentifierHash& h : hashes) {
    sqlite3_bind_blob(st, 1, h.data(), static_cast<int>(h.size()), SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

uint64_t Index::CountOccurrences(const std::string& snapshot, const std::vector<IdentifierHash>& hashes) {
  uint64_t n = 0;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_,
                     "SELECT TOTAL(o.n) FROM identifiers i JOIN occurrences o ON o.identifier_id=i.id "
                     "JOIN snapshots s ON s.id=o.snapshot_id WHERE i.hash=? AND s.path=?",
                     -1, &st, nullptr);
  for (const IdentifierHash& h : hashes) {
    sqlite3_bind_blob(st, 1, h.data(), static_cast<int>(h.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, snapshot.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) n += static_cast<uint64_t>(sqlite3_column_int64(st, 0));
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  return n;
}

std::vector<std::string> Index::AllSnapshots() {
  std::vector<std::string> out;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "SELECT path FROM snapshots ORDER BY path", -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  return out;
}

std::optional<RequestRecord> Index::GetRequest(const std::string& id) {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "SELECT mode, status, identifiers, report, created_at, updated_at FROM requests WHERE id=?",
                     -1, &st, nullptr);
  sqlite3_bind_text(st, 1, id.c_str(), -1, SQLITE_TRANSIENT);
  std::optional<RequestRecord> r;
  if (sqlite3_step(st) == SQLITE_ROW) {
    r.emplace();
    r->id = id;
    auto col = [&](int i) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i))); };
    r->mode = col(0);
    r->status = col(1);
    r->identifiers_json = col(2);
    r->report_json = col(3);
    r->created_at = col(4);
    r->updated_at = col(5);
  }
  sqlite3_finalize(st);
  return r;
}

std::vector<RequestRecord> Index::ListRequests() {
  std::vector<RequestRecord> out;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "SELECT id FROM requests ORDER BY created_at, id", -1, &st, nullptr);
  std::vector<std::string> ids;
  while (sqlite3_step(st) == SQLITE_ROW) ids.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  for (const auto& id : ids)
    if (auto r = GetRequest(id)) out.push_back(std::move(*r));
  return out;
}

Status Index::PutRequest(const RequestRecord& r) {
  // Request state decides what a resumed erase does: it is synced at every commit.
  struct FullSync {
    sqlite3* db;
    explicit FullSync(sqlite3* d) : db(d) { sqlite3_exec(db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr); }
    ~FullSync() { sqlite3_exec(db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr); }
  } full_sync(db_);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_,
                     "INSERT INTO requests(id, mode, status, identifiers, report, created_at, updated_at) "
                     "VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(id) DO UPDATE SET mode=?2, status=?3, "
                     "identifiers=?4, report=?5, updated_at=?7",
                     -1, &st, nullptr);
  const std::string* cols[] = {&r.id, &r.mode, &r.status, &r.identifiers_json, &r.report_json, &r.created_at,
                               &r.updated_at};
  for (int i = 0; i < 7; ++i) sqlite3_bind_text(st, i + 1, cols[i]->c_str(), -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return SqlError("save request " + r.id);
  return Status::Ok();
}

Status Index::Locate(const std::vector<Identifier>& ids,
                     const std::function<void(const LocatedOccurrence&)>& fn) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT s.path, e.path, o.n, o.positions, i.detector, i.masked, e.id "
                         "FROM identifiers i JOIN occurrences o ON o.identifier_id=i.id "
                         "JOIN entries e ON e.id=o.entry_id JOIN snapshots s ON s.id=o.snapshot_id "
                         "WHERE i.hash=?",
                         -1, &st, nullptr) != SQLITE_OK)
    return SqlError("locate");
  std::vector<LocatedOccurrence> all;
  for (const Identifier& id : ids) {
    IdentifierHash h = hasher_.Hash(id.kind, id.value);
    sqlite3_bind_blob(st, 1, h.data(), static_cast<int>(h.size()), SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      LocatedOccurrence o;
      o.snapshot = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      o.entry_json = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
      const int64_t n = sqlite3_column_int64(st, 2);
      const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st, 3));
      const auto* end = p + sqlite3_column_bytes(st, 3);
      o.detector = static_cast<DetectorKind>(sqlite3_column_int(st, 4));
      o.masked = reinterpret_cast<const char*>(sqlite3_column_text(st, 5));
      o.entry_id = sqlite3_column_int64(st, 6);
      uint64_t prev = 0;
      int prev_field = -1;
      for (int64_t k = 0; k < n; ++k) {
        uint64_t fl = 0, delta = 0;
        if (!GetVarint(p, end, &fl) || !GetVarint(p, end, &delta)) break;  // damaged row: stop there
        const int field = static_cast<int>(fl & 1);
        if (field != prev_field) prev = 0;
        prev_field = field;
        o.field = static_cast<Field>(field);
        o.length = static_cast<uint32_t>(fl >> 1);
        o.offset = prev + delta;
        prev = o.offset;
        all.push_back(o);
      }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
      sqlite3_finalize(st);
      return SqlError("locate");
    }
  }
  sqlite3_finalize(st);
  std::sort(all.begin(), all.end(), [](const LocatedOccurrence& a, const LocatedOccurrence& b) {
    return std::tie(a.snapshot, a.entry_id, a.field, a.offset) < std::tie(b.snapshot, b.entry_id, b.field, b.offset);
  });
  for (const auto& o : all) fn(o);
  return Status::Ok();
}

}  // namespace rodo
