#include "engine/scan.h"

#include <sys/stat.h>
#include <tbb/concurrent_queue.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_pipeline.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/archive_reader.h"
#include "engine/entry_walker.h"
#include "engine/keyed_hash.h"
#include "scanners/detector.h"
#include "scanners/utf16.h"

namespace rodo {
namespace fs = std::filesystem;

std::string EntryPathJson(const std::vector<std::string>& names) {
  nlohmann::json j = names;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> FindSnapshots(const std::vector<std::string>& paths,
                                       const std::vector<std::string>& exclude,
                                       std::vector<std::string>* missing) {
  std::vector<std::string> out;
  auto excluded = [&](const std::string& p) {
    return std::find(exclude.begin(), exclude.end(), p) != exclude.end() ||
           p.find(".rodo-tmp") != std::string::npos;
  };
  for (const std::string& p : paths) {
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec).lexically_normal();
    auto st = fs::status(abs, ec);
    if (ec || !fs::exists(st)) {
      if (missing) missing->push_back(abs.string());
      continue;
    }
    if (fs::is_directory(st)) {
      for (auto it = fs::recursive_directory_iterator(abs, fs::directory_options::skip_permission_denied, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (it->is_regular_file(ec) && !it->is_symlink(ec) && !excluded(it->path().string())) out.push_back(it->path().string());
      }
    } else if (!excluded(abs.string())) {
      out.push_back(abs.string());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

// A byte buffer that never zero-fills: allocated once, then reused by every token.
class ByteBuffer {
 public:
  void reserve(size_t n) {
    if (n <= cap_) return;
    auto bigger = std::make_unique_for_overwrite<char[]>(n);
    if (size_) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    cap_ = n;
  }
  void assign(std::string_view v) {
    reserve(v.size());
    if (!v.empty()) std::memcpy(data_.get(), v.data(), v.size());
    size_ = v.size();
  }
  void resize(size_t n) {  // new bytes are left as they are: the caller fills them
    reserve(n);
    size_ = n;
  }
  void clear() { size_ = 0; }
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0, cap_ = 0;
};

// One pipeline token: a slice of one entry's bytes (with the tail of the previous slice in
// front as context), or an event of the snapshot (its end, an error).
struct Chunk {
  size_t snapshot = 0;
  bool snapshot_end = false;
  bool entry_begin = false;
  bool utf16 = false;  // offsets are in narrowed UTF-16: in the entry, 2 + 2 * offset
  std::vector<std::string> entry_path;
  std::vector<std::string> warnings;
  ByteBuffer buf;
  size_t from = 0, limit = 0;
  uint64_t base = 0;
  uint64_t new_bytes = 0;
  uint64_t consumed = 0;
  Status error;
  std::vector<Hit> hits, name_hits;

  void Reset() {
    snapshot_end = entry_begin = utf16 = false;
    entry_path.clear();
    warnings.clear();
    buf.clear();
    from = limit = 0;
    base = new_bytes = 0;
    error = Status::Ok();
    hits.clear();
    name_hits.clear();
  }
};

struct Pending {
  std::string path;
  SnapshotRecord record;
};

// The serial input stage: walks snapshots and their entries at every depth and cuts entry
// data into chunks (UTF-16 text is narrowed to one byte per code unit for matching).
class ChunkSource {
 public:
  ChunkSource(const std::vector<Pending>& snapshots, size_t chunk_size, const WalkLimits& limits)
      : snapshots_(snapshots), chunk_size_(chunk_size), limits_(limits), raw_(chunk_size * 2) {}

  // Fills `c`; false when every snapshot is done.
  bool Next(Chunk& c) {
    c.Reset();
    while (true) {
      if (current_ >= snapshots_.size()) return false;
      c.snapshot = current_;
      if (!walker_) {
        auto r = ArchiveReader::Open(snapshots_[current_].path, snapshots_[current_].record.path);
        if (!r.ok()) return EndSnapshot(c, r.status());
        walker_ = std::make_unique<EntryWalker>(std::move(r.value()), limits_);
      }
      if (!in_entry_) {
        bool has = false;
        Status s = walker_->Next(&has);
        TakeWarnings(c);
        if (!s.ok()) return EndSnapshot(c, s);
        if (!has) return EndSnapshot(c, Status::Ok());
        c.entry_begin = true;
        c.entry_path = walker_->path();
        c.consumed = static_cast<uint64_t>(walker_->consumed());
        in_entry_ = walker_->has_data();
        utf16_ = walker_->encoding() != TextEncoding::kBytes;
        narrower_.Reset(walker_->encoding() == TextEncoding::kUtf16Be);
        entry_offset_ = 0;
        tail_.clear();
        if (!in_entry_) return true;  // a folder, link, device or opened container: its name only
      }
      return FillData(c);
    }
  }

 private:
  void TakeWarnings(Chunk& c) {
    for (auto& w : walker_->TakeWarnings()) c.warnings.push_back(std::move(w));
  }

  bool EndSnapshot(Chunk& c, Status s) {
    c.snapshot_end = true;
    c.error = std::move(s);
    c.consumed = walker_ ? static_cast<uint64_t>(walker_->consumed()) : 0;
    if (walker_) TakeWarnings(c);
    walker_.reset();
    in_entry_ = false;
    ++current_;
    return true;
  }

  // Reads up to `want` bytes of entry data into `out`: as stored, or narrowed from UTF-16.
  StatusOr<size_t> ReadData(char* out, size_t want, bool* done) {
    *done = false;
    if (!utf16_) {
      size_t got = 0;
      while (got < want) {
        auto r = walker_->Read(out + got, want - got);
        if (!r.ok()) return r.status();
        if (*r == 0) {
          *done = true;
          break;
        }
        got += *r;
      }
      return got;
    }
    // UTF-16: read two bytes per wanted byte and narrow them (Utf16Narrower).
    size_t got = 0;
    while (got < want && !*done) {
      size_t have = 0;
      const size_t need = 2 * (want - got);
      while (have < need) {
        auto r = walker_->Read(raw_.data() + have, need - have);
        if (!r.ok()) return r.status();
        if (*r == 0) {
          *done = true;
          break;
        }
        have += *r;
      }
      got += narrower_.Feed(raw_.data(), have, out + got);
    }
    return got;
  }

  bool FillData(Chunk& c) {
    c.buf.reserve(chunk_size_ + kLeftContext + kRightContext);
    c.buf.assign(tail_);
    c.from = tail_.empty() ? 0 : kLeftContext;
    c.base = entry_offset_ - tail_.size();
    c.utf16 = utf16_;
    const size_t header = c.buf.size();
    c.buf.resize(header + chunk_size_);
    bool entry_done = false;
    auto r = ReadData(c.buf.data() + header, chunk_size_, &entry_done);
    TakeWarnings(c);
    if (!r.ok()) {
      c.buf.clear();
      c.limit = c.from = 0;
      return EndSnapshot(c, Status::Corruption(DisplayPath(walker_->path()) + ": " + r.status().message()));
    }
    c.buf.resize(header + *r);
    c.new_bytes = *r;
    entry_offset_ += *r;
    c.consumed = static_cast<uint64_t>(walker_->consumed());
    if (entry_done) {
      c.limit = c.buf.size();
      in_entry_ = false;
      tail_.clear();
    } else {
      c.limit = c.buf.size() - kRightContext;
      size_t keep = c.limit - kLeftContext;
      tail_.assign(c.buf.data() + keep, c.buf.size() - keep);
    }
    return true;
  }

  const std::vector<Pending>& snapshots_;
  size_t chunk_size_;
  WalkLimits limits_;
  size_t current_ = 0;
  std::unique_ptr<EntryWalker> walker_;
  bool in_entry_ = false;
  bool utf16_ = false;
  Utf16Narrower narrower_;
  uint64_t entry_offset_ = 0;  // in the matched bytes (narrowed for UTF-16)
  std::string tail_;
  std::vector<char> raw_;
};

// Identifiers in an entry's name never reach the index in plain text: their bytes become '*'
// but for the first and last two, so lengths and offsets stay.
void MaskNames(const std::vector<Hit>& hits, std::string& name) {
  for (const Hit& h : hits) {
    for (uint64_t i = h.offset + 2; i + 2 < h.offset + h.length && i < name.size(); ++i) name[i] = '*';
  }
}

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Status ScanSnapshots(const std::vector<std::string>& snapshots, Index& index, const ScanOptions& options,
                     const ScanCallbacks& cb) {
  ScanProgress progress;
  progress.snapshots_total = snapshots.size();
  std::vector<Pending> pending;
  for (size_t i = 0; i < snapshots.size(); ++i) {
    const std::string& path = snapshots[i];
    const std::string& record_path = options.record_as.empty() ? path : options.record_as[i];
    struct stat st {};
    SnapshotResult res;
    res.path = record_path;
    if (::stat(path.c_str(), &st) != 0) {
      res.outcome = SnapshotResult::Outcome::kError;
      res.error = std::string("cannot stat: ") + std::strerror(errno);
      ++progress.snapshots_done;
      cb.on_result(res);
      continue;
    }
    Pending p;
    p.path = path;
    p.record.path = record_path;
    p.record.size = static_cast<uint64_t>(st.st_size);
    p.record.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    // A pipe (or other stream) is read once: no fingerprint, never "unchanged".
    const bool seekable = S_ISREG(st.st_mode);
    auto fp = seekable ? FingerprintFile(path, p.record.size) : StatusOr<std::string>(std::string("stream"));
    if (!fp.ok()) {
      res.outcome = SnapshotResult::Outcome::kError;
      res.error = fp.status().message();
      ++progress.snapshots_done;
      cb.on_result(res);
      continue;
    }
    p.record.fingerprint = *fp;
    auto old = index.FindSnapshot(record_path);
    if (!options.full && seekable && old && old->size == p.record.size && old->mtime_ns == p.record.mtime_ns &&
        old->fingerprint == p.record.fingerprint) {
      res.outcome = SnapshotResult::Outcome::kUnchanged;
      ++progress.snapshots_done;
      cb.on_result(res);
      continue;
    }
    progress.input_total += p.record.size;
    pending.push_back(std::move(p));
  }
  if (pending.empty()) return Status::Ok();

  const int jobs = options.jobs > 0 ? options.jobs : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<size_t>(jobs));
  const size_t tokens = static_cast<size_t>(jobs) * 3 + 1;

  std::vector<std::unique_ptr<Chunk>> pool_storage;
  tbb::concurrent_queue<Chunk*> pool;
  for (size_t i = 0; i < tokens; ++i) {
    pool_storage.push_back(std::make_unique<Chunk>());
    pool.push(pool_storage.back().get());
  }
  tbb::enumerable_thread_specific<DetectorSet> detectors;
  ChunkSource source(pending, options.chunk_size, options.limits);

  // State of the serial output stage.
  SnapshotResult current;
  bool txn_open = false;
  int64_t entry_id = 0;
  auto started = std::chrono::steady_clock::now();
  uint64_t input_before = 0;
  Status fatal;
  std::vector<std::string> entry_names;
  std::string value;
  ContainedHitFilter contained;  // across the chunks of an entry
  std::string current_file;

  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, Chunk*>(tbb::filter_mode::serial_in_order,
                                     [&](tbb::flow_control& fc) -> Chunk* {
                                       Chunk* c = nullptr;
                                       pool.try_pop(c);  // never empty: tokens == pool size
                                       if (!source.Next(*c)) {
                                         pool.push(c);
                                         fc.stop();
                                         return nullptr;
                                       }
                                       return c;
                                     }) &
          tbb::make_filter<Chunk*, Chunk*>(tbb::filter_mode::parallel,
                                           [&](Chunk* c) -> Chunk* {
                                             const DetectorSet& d = detectors.local();
                                             if (c->limit > c->from) {
                                               Window w{c->buf.data(), c->buf.size(), c->from, c->limit, c->base};
                                               d.Scan(w, c->hits);
                                             }
                                             if (c->entry_begin && !c->entry_path.empty()) {
                                               const std::string& name = c->entry_path.back();
                                               d.Scan(Window{name.data(), name.size(), 0, name.size(), 0},
                                                      c->name_hits);
                                             }
                                             return c;
                                           }) &
          tbb::make_filter<Chunk*, void>(
              tbb::filter_mode::serial_in_order, [&](Chunk* c) {
                const Pending& snap = pending[c->snapshot];
                if (!fatal.ok()) {
                  pool.push(c);
                  return;
                }
                if (current_file != snap.path) {
                  current_file = snap.path;
                  current = SnapshotResult();
                  current.path = snap.record.path;
                  started = std::chrono::steady_clock::now();
                  txn_open = false;
                }
                if (!txn_open && c->error.ok()) {
                  Status s = index.BeginSnapshot(snap.record);
                  if (!s.ok()) {
                    fatal = s;
                    pool.push(c);
                    return;
                  }
                  txn_open = true;
                }
                for (auto& w : c->warnings) current.warnings.push_back(std::move(w));
                if (c->entry_begin) {
                  // The entry path with identifiers in every name masked (outer names were
                  // masked when their own entries began).
                  const size_t depth = c->entry_path.size();
                  entry_names.resize(depth);
                  entry_names[depth - 1] = c->entry_path.back();
                  MaskNames(c->name_hits, entry_names[depth - 1]);
                  entry_id = index.AddEntry(EntryPathJson(entry_names));
                  ++current.entries;
                  current.top_entries += depth == 1;
                  for (const Hit& h : c->name_hits) {
                    NormaliseFound(h.kind, std::string_view(c->entry_path.back()).substr(h.offset, h.length), value);
                    index.AddOccurrence(entry_id, h, value, Field::kName);
                    if (options.on_value) options.on_value(h.kind, value);
                    ++current.findings[static_cast<int>(h.kind)];
                  }
                }
                if (c->entry_begin) contained.Reset();
                for (const Hit& h : c->hits) {
                  if (!contained.Keep(h)) continue;  // inside a hit of the previous chunk
                  NormaliseFound(h.kind, c->buf.view().substr(h.offset - c->base, h.length), value);
                  if (c->utf16) {
                    Hit in_entry{2 + 2 * h.offset, 2 * h.length, h.kind};
                    index.AddOccurrence(entry_id, in_entry, value, Field::kContent);
                  } else {
                    index.AddOccurrence(entry_id, h, value, Field::kContent);
                  }
                  ++current.findings[static_cast<int>(h.kind)];
                  if (options.on_value) options.on_value(h.kind, value);
                }
                current.bytes += c->new_bytes;
                progress.decoded += c->new_bytes;
                progress.input_done = input_before + c->consumed;
                if (c->snapshot_end) {
                  current.seconds = Since(started);
                  if (!c->error.ok()) {
                    if (txn_open) index.AbortSnapshot();
                    current.outcome = SnapshotResult::Outcome::kError;
                    current.error = c->error.message();
                  } else if (options.accept && !options.accept(current)) {
                    index.AbortSnapshot();
                    current.outcome = SnapshotResult::Outcome::kError;
                    current.error = "not accepted";
                  } else {
                    Status s = index.CommitSnapshot(current.entries, current.bytes);
                    if (!s.ok()) fatal = s;
                  }
                  txn_open = false;
                  input_before += snap.record.size;
                  progress.input_done = input_before;
                  ++progress.snapshots_done;
                  if (fatal.ok()) cb.on_result(current);
                  current_file.clear();
                }
                if (cb.on_progress) cb.on_progress(progress);
                pool.push(c);
              }));
  if (txn_open) index.AbortSnapshot();
  return fatal;
}

}  // namespace rodo
