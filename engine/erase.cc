#include "engine/erase.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>

#include "engine/keyed_hash.h"
#include "engine/scan.h"

namespace rodo {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

const char* ModeName(EraseMode m) { return m == EraseMode::kDrop ? "drop" : "redact"; }

Status SyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return Status::IoError("cannot open " + path + " to sync: " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IoError("cannot sync " + path + ": " + std::strerror(err));
  return Status::Ok();
}

// Re-indexes one snapshot (after it was rewritten) so `locate` sees its new state.
Status Reindex(Index& index, const std::string& path) {
  ScanOptions opt;
  opt.full = true;
  opt.jobs = 1;
  std::string error;
  ScanCallbacks cb;
  cb.on_result = [&](const SnapshotResult& r) {
    if (r.outcome == SnapshotResult::Outcome::kError) error = r.error;
  };
  RODO_RETURN_IF_ERROR(ScanSnapshots({path}, index, opt, cb));
  if (!error.empty()) return Status::Corruption("re-index of " + path + ": " + error);
  return Status::Ok();
}

class Eraser {
 public:
  // `report`: the certificate being built; each snapshot's line lives in it and is saved
  // with the request after every durable step.
  Eraser(Index& index, RequestRecord& rec, json& report, std::vector<IdentifierHash> hashes, EraseMode mode,
         const std::function<void(const std::string&)>& log)
      : index_(index), rec_(rec), report_(report), hashes_(std::move(hashes)), mode_(mode), log_(log) {}

  // Processes one snapshot; updates its line in `report`.
  void Process(const std::string& path, json& line) {
    line["snapshot"] = path;
    if (line.value("action", "") == "rewritten" || line.value("action", "") == "unchanged") return;
    Status s = Rewrite(path, line);
    if (!s.ok()) {
      line["action"] = "failed";
      line["error"] = s.message();
      line["verified"] = false;
      Log("FAILED     " + path + ": " + s.message());
    }
  }

 private:
  void Log(const std::string& m) {
    if (log_) log_(m);
  }

  Status Save() {
    rec_.report_json = report_.dump();
    rec_.updated_at = UtcNow();
    return index_.PutRequest(rec_);
  }

  Status Rewrite(const std::string& path, json& line) {
    SubjectMatcher matcher(index_.hasher(), hashes_);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return Status::IoError(std::string("cannot stat: ") + std::strerror(errno));

    // Resume: the rename happened before a crash; only the index is behind.
    if (line.value("action", "") == "pending") {
      auto now = Sha256File(path);
      if (!now.ok()) return now.status();
      if (*now == line.value("sha256_after", "")) {
        RODO_RETURN_IF_ERROR(Reindex(index_, path));
        line["action"] = "rewritten";
        line["verified"] = true;
        Log("rewritten  " + path + " (finished after an interruption)");
        return Save();
      }
    }

    fs::path p(path);
    const std::string tmp = (p.parent_path() / ("." + p.filename().string() + ".rodo-tmp")).string();
    // Leftovers of an interrupted run (the new snapshot, spooled inner containers).
    std::error_code ec;
    const std::string leftover = "." + p.filename().string() + ".rodo-tmp";
    for (const auto& e : fs::directory_iterator(p.parent_path(), ec))
      if (e.path().filename().string().rfind(leftover, 0) == 0) fs::remove(e.path(), ec);
    auto before = Sha256File(path);
    if (!before.ok()) return before.status();
    auto cleanup = [&](Status s) {
      ::unlink(tmp.c_str());
      return s;
    };
    auto stats = RewriteSnapshot(path, tmp, matcher, mode_);
    if (!stats.ok()) return cleanup(stats.status());
    FaultPoint("after-write");
    if (stats->occurrences == 0) {
      // The index was behind: nothing of the subject is there. Leave the snapshot as it is.
      ::unlink(tmp.c_str());
      RODO_RETURN_IF_ERROR(Reindex(index_, path));
      line["action"] = "unchanged";
      line["occurrences"] = 0;
      line["sha256_before"] = *before;
      line["sha256_after"] = *before;
      line["verified"] = true;
      Log("unchanged  " + path);
      return Save();
    }
    // Keep the snapshot's permissions (and owner, where allowed).
    ::chmod(tmp.c_str(), st.st_mode & 07777);
    if (::chown(tmp.c_str(), st.st_uid, st.st_gid) != 0) { /* not root: keep ours */ }
    if (Status s = SyncPath(tmp, false); !s.ok()) return cleanup(s);
    FaultPoint("after-fsync");
    // Verify with a full re-scan of the new file, at every depth, which is also its new index
    // state: none of the subject may be left and every kept entry must be there; otherwise
    // the index transaction is rolled back. Committed before the swap: should the swap not
    // happen, the old file no longer matches the fingerprint and is re-indexed by the next
    // scan (or by this request's rerun, which starts with one).
    uint64_t left = 0;
    SnapshotResult verified;
    ScanOptions vopt;
    vopt.full = true;
    vopt.record_as = {path};
    vopt.on_value = [&](DetectorKind k, std::string_view v) { left += matcher.Matches(k, v); };
    vopt.accept = [&](const SnapshotResult& r) {
      return left == 0 && r.top_entries == stats->entries_out && stats->entries_in - stats->dropped == stats->entries_out;
    };
    ScanCallbacks vcb;
    vcb.on_result = [&](const SnapshotResult& r) { verified = r; };
    if (Status s = ScanSnapshots({tmp}, index_, vopt, vcb); !s.ok()) return cleanup(s);
    if (verified.outcome != SnapshotResult::Outcome::kScanned) {
      if (left != 0)
        return cleanup(Status::Failed("verification found " + std::to_string(left) +
                                      " occurrence(s) left in the rewritten snapshot"));
      if (verified.error != "not accepted") return cleanup(Status::Corruption("verification failed: " + verified.error));
      return cleanup(Status::Failed("verification: " + std::to_string(verified.top_entries) + " entries instead of " +
                                    std::to_string(stats->entries_in - stats->dropped)));
    }
    FaultPoint("after-index");
    auto after = Sha256File(tmp);
    if (!after.ok()) return cleanup(after.status());
    line["action"] = "pending";
    line["occurrences"] = stats->occurrences;
    if (mode_ == EraseMode::kDrop) line["entries_dropped"] = stats->dropped;
    line["sha256_before"] = *before;
    line["sha256_after"] = *after;
    if (Status s = Save(); !s.ok()) return cleanup(s);
    FaultPoint("before-rename");
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      return cleanup(Status::IoError(std::string("cannot replace the snapshot: ") + std::strerror(errno)));
    FaultPoint("after-rename");
    RODO_RETURN_IF_ERROR(SyncPath(p.parent_path().string(), true));
    FaultPoint("after-dir-sync");
    line["action"] = "rewritten";
    line["verified"] = true;
    Log("rewritten  " + path + ": " + std::to_string(stats->occurrences) + " occurrence(s) " +
        (mode_ == EraseMode::kDrop ? "dropped with " + std::to_string(stats->dropped) + " entr(y/ies)" : "redacted"));
    return Save();
  }

  Index& index_;
  RequestRecord& rec_;
  json& report_;
  std::vector<IdentifierHash> hashes_;
  EraseMode mode_;
  const std::function<void(const std::string&)>& log_;
};

}  // namespace

void FaultPoint(const char* point) {
  const char* want = std::getenv("RODO_FAULT");
  if (want && std::strcmp(want, point) == 0) ::kill(::getpid(), SIGKILL);
}

std::string UtcNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

EraseResult RunErase(Index& index, const EraseRequest& req, const std::function<void(const std::string&)>& log) {
  EraseResult res;
  auto usage = [&](std::string m) {
    res.usage_error = true;
    res.error = std::move(m);
    return res;
  };
  if (req.id.empty()) return usage("a request ID is needed (--request)");

  // The subject, as keyed hashes with masked display forms.
  std::vector<IdentifierHash> hashes;
  json identifiers = json::array();
  for (const Identifier& id : req.identifiers) {
    IdentifierHash h = index.hasher().Hash(id.kind, id.value);
    if (std::find(hashes.begin(), hashes.end(), h) != hashes.end()) continue;
    hashes.push_back(h);
    identifiers.push_back({{"detector", DetectorName(id.kind)}, {"masked", MaskValue(id.kind, id.value)}, {"hash", ToHex(h.data(), h.size())}});
  }

  std::optional<RequestRecord> existing = index.GetRequest(req.id);
  RequestRecord rec;
  if (existing) {
    rec = *existing;
    json stored = json::parse(rec.identifiers_json);
    std::vector<IdentifierHash> registered;
    for (const auto& i : stored) {
      auto h = HashFromHex(i.value("hash", ""));
      if (!h) return usage("request " + req.id + " is damaged in the index (an identifier hash is unreadable)");
      registered.push_back(*h);
    }
    if (!hashes.empty()) {
      auto a = hashes, b = registered;
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      if (a != b) return usage("request " + req.id + " is registered with other identifiers");
    }
    if (req.mode && ModeName(*req.mode) != rec.mode)
      return usage("request " + req.id + " is registered in mode " + rec.mode);
    hashes = registered;
    identifiers = stored;
    if (rec.status == "completed") {
      res.report = json::parse(rec.report_json);
      return res;
    }
  } else {
    if (hashes.empty()) return usage("unknown request " + req.id + ": give the subject's identifiers to register it");
    rec.id = req.id;
    rec.mode = ModeName(req.mode.value_or(EraseMode::kRedact));
    rec.identifiers_json = identifiers.dump();
    rec.created_at = rec.updated_at = UtcNow();
  }
  const EraseMode mode = rec.mode == "drop" ? EraseMode::kDrop : EraseMode::kRedact;

  json shown = json::array();  // identifiers as the certificate shows them (no hashes)
  for (const auto& i : identifiers) shown.push_back({{"detector", i["detector"]}, {"masked", i["masked"]}});

  // Snapshots that changed since they were indexed are re-indexed first, so none is missed.
  {
    ScanOptions opt;
    ScanCallbacks cb;
    cb.on_result = [&](const SnapshotResult& r) {
      if (r.outcome == SnapshotResult::Outcome::kScanned && log) log("re-indexed " + r.path + " (it had changed)");
    };
    std::vector<std::string> known;
    for (const auto& s : index.AllSnapshots())
      if (fs::exists(s)) known.push_back(s);
    Status s = ScanSnapshots(known, index, opt, cb);
    if (!s.ok()) return usage(s.message());
  }

  json report = existing ? json::parse(rec.report_json) : json::object();
  std::map<std::string, json> lines;
  if (report.contains("snapshots"))
    for (auto& l : report["snapshots"]) lines[l["snapshot"].get<std::string>()] = l;
  for (const auto& path : index.SnapshotsWith(hashes))
    if (!lines.count(path)) lines[path] = json{{"snapshot", path}};

  if (req.dry_run) {
    json out = {{"request", req.id}, {"status", "dry-run"}, {"mode", rec.mode}, {"identifiers", shown}};
    json snaps = json::array();
    for (auto& [path, l] : lines) {
      if (l.value("action", "") == "rewritten") continue;
      uint64_t n = index.CountOccurrences(path, hashes);
      snaps.push_back({{"snapshot", path}, {"action", n ? "rewrite" : "unchanged"}, {"occurrences", n}});
    }
    out["snapshots"] = snaps;
    res.report = out;
    return res;
  }

  report = json{{"request", req.id}, {"status", "in_progress"}, {"mode", rec.mode}, {"identifiers", shown},
                {"snapshots", json::array()},
                {"started_at", report.value("started_at", UtcNow())}};
  for (auto& [path, l] : lines) report["snapshots"].push_back(l);
  rec.status = "in_progress";
  rec.report_json = report.dump();
  if (Status s = index.PutRequest(rec); !s.ok()) return usage(s.message());

  Eraser eraser(index, rec, report, hashes, mode, log);
  for (auto& line : report["snapshots"]) eraser.Process(line["snapshot"].get<std::string>(), line);

  size_t failed = 0, total = 0;
  for (const auto& l : report["snapshots"]) {
    ++total;
    failed += l.value("action", "") == "failed";
  }
  std::string status = failed == 0 ? "completed" : failed == total ? "failed" : "partial";
  report["status"] = status;
  report["finished_at"] = UtcNow();
  rec.status = status;
  rec.report_json = report.dump();
  rec.updated_at = UtcNow();
  if (Status s = index.PutRequest(rec); !s.ok()) return usage(s.message());
  res.report = report;
  return res;
}

}  // namespace rodo
