#include "engine/rewriter.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <unordered_set>

#include "engine/archive_reader.h"
#include "scanners/detector.h"
#include "scanners/stream_scanner.h"

namespace rodo {

SubjectMatcher::SubjectMatcher(const KeyedHasher& hasher, std::vector<IdentifierHash> subject)
    : hasher_(hasher), subject_(std::move(subject)) {}

bool SubjectMatcher::Matches(DetectorKind kind, std::string_view normalised) {
  key_.assign(1, static_cast<char>(kind));
  key_.append(normalised);
  auto it = memo_.find(key_);
  if (it != memo_.end()) return it->second;
  IdentifierHash h = hasher_.Hash(kind, normalised);
  bool m = std::find(subject_.begin(), subject_.end(), h) != subject_.end();
  if (memo_.size() > (1u << 20)) memo_.clear();  // bounded memory
  memo_.emplace(key_, m);
  return m;
}

namespace {

constexpr size_t kBlock = 256 * 1024;

struct WriterDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};

// The subject's hits in `text` (a name or link target), redacted in place. Returns how many.
size_t RedactText(const DetectorSet& detectors, SubjectMatcher& m, std::string& text, std::vector<Hit>& hits,
                  std::string& value) {
  hits.clear();
  detectors.Scan(Window{text.data(), text.size(), 0, text.size(), 0}, hits);
  size_t n = 0;
  for (const Hit& h : hits) {
    NormaliseFound(h.kind, std::string_view(text).substr(h.offset, h.length), value);
    if (!m.Matches(h.kind, value)) continue;
    std::fill(text.begin() + static_cast<std::ptrdiff_t>(h.offset),
              text.begin() + static_cast<std::ptrdiff_t>(h.offset + h.length), '*');
    ++n;
  }
  return n;
}

size_t CountInText(const DetectorSet& d, SubjectMatcher& m, const char* text, std::vector<Hit>& hits,
                   std::string& value) {
  if (!text || !*text) return 0;
  std::string copy(text);
  return RedactText(d, m, copy, hits, value);
}

// Streams an entry's data through the detectors; the subject's occurrences are overwritten
// with '*' before the bytes are passed on. Holds back only the bytes whose hits are not known
// yet (the scanner's carry-over).
class RedactingStream {
 public:
  RedactingStream(const DetectorSet& d, SubjectMatcher& m) : scanner_(d, kBlock), matcher_(m) {}

  template <typename Sink>
  Status Feed(std::string_view bytes, bool redact, Sink&& sink) {
    pending_.append(bytes);
    hits_.clear();
    scanner_.Feed(bytes, hits_);
    return Apply(redact, false, sink);
  }
  template <typename Sink>
  Status Finish(bool redact, Sink&& sink) {
    hits_.clear();
    scanner_.Finish(hits_);
    return Apply(redact, true, sink);
  }
  uint64_t occurrences() const { return occurrences_; }
  void Reset() {
    pending_.clear();
    pending_start_ = 0;
    occurrences_ = 0;
  }

 private:
  template <typename Sink>
  Status Apply(bool redact, bool at_end, Sink& sink) {
    uint64_t safe = pending_start_ + pending_.size();
    for (const Hit& h : hits_) {
      const size_t at = static_cast<size_t>(h.offset - pending_start_);
      NormaliseFound(h.kind, std::string_view(pending_).substr(at, h.length), value_);
      if (!matcher_.Matches(h.kind, value_)) continue;
      ++occurrences_;
      if (redact) std::fill(pending_.begin() + static_cast<std::ptrdiff_t>(at),
                            pending_.begin() + static_cast<std::ptrdiff_t>(at + h.length), '*');
    }
    // Bytes from the first unreported position on may still belong to a hit.
    if (!at_end) safe = std::min<uint64_t>(safe, scanner_.reported_until());
    const size_t n = static_cast<size_t>(safe - pending_start_);
    if (n > 0) {
      RODO_RETURN_IF_ERROR(sink(std::string_view(pending_.data(), n)));
      pending_.erase(0, n);
      pending_start_ += n;
    }
    return Status::Ok();
  }

  StreamScanner scanner_;
  SubjectMatcher& matcher_;
  std::string pending_;
  uint64_t pending_start_ = 0;
  std::vector<Hit> hits_;
  std::string value_;
  uint64_t occurrences_ = 0;
};

// Sets up `w` to write what `r` reads: same format family and filters.
Status MatchFormat(archive* r, archive* w, bool raw) {
  int fmt = archive_format(r);
  int base = fmt & ARCHIVE_FORMAT_BASE_MASK;
  int rc;
  if (raw) {
    rc = archive_write_set_format_raw(w);
  } else if (base == ARCHIVE_FORMAT_TAR) {
    // pax-restricted writes ustar headers unless an entry needs pax extensions, as the
    // snapshot did; GNU archives stay GNU.
    rc = fmt == ARCHIVE_FORMAT_TAR_GNUTAR ? archive_write_set_format_gnutar(w)
                                          : archive_write_set_format_pax_restricted(w);
  } else if (base == ARCHIVE_FORMAT_ZIP) {
    rc = archive_write_set_format_zip(w);
  } else if (base == ARCHIVE_FORMAT_7ZIP) {
    rc = archive_write_set_format_7zip(w);
  } else {
    rc = archive_write_set_format(w, fmt);
  }
  if (rc != ARCHIVE_OK)
    return Status::Unsupported(std::string("cannot write the snapshot's format (") +
                               (archive_format_name(r) ? archive_format_name(r) : "?") + ")");
  // Filters, innermost first (filter 0 is the outermost).
  for (int i = archive_filter_count(r) - 1; i >= 0; --i) {
    int code = archive_filter_code(r, i);
    if (code == ARCHIVE_FILTER_NONE) continue;
    if (archive_write_add_filter(w, code) != ARCHIVE_OK)
      return Status::Unsupported(std::string("cannot write the snapshot's compression (") +
                                 (archive_filter_name(r, i) ? archive_filter_name(r, i) : "?") + ")");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<RewriteStats> RewriteSnapshot(const std::string& src, const std::string& dst, SubjectMatcher& matcher,
                                       EraseMode mode) {
  DetectorSet detectors;
  std::vector<Hit> hits;
  std::string value;
  // Drop mode: a first pass finds the entries holding the subject (name or content).
  std::vector<bool> drop;
  if (mode == EraseMode::kDrop) {
    auto reader = ArchiveReader::Open(src);
    if (!reader.ok()) return reader.status();
    RedactingStream stream(detectors, matcher);
    std::vector<char> buf(kBlock);
    auto discard = [](std::string_view) { return Status::Ok(); };
    while (true) {
      EntryInfo info;
      bool has = false;
      RODO_RETURN_IF_ERROR((*reader)->Next(&info, &has));
      if (!has) break;
      stream.Reset();
      size_t in_name = CountInText(detectors, matcher, info.path.c_str(), hits, value);
      if (info.is_regular) {
        while (true) {
          auto n = (*reader)->Read(buf.data(), buf.size());
          if (!n.ok()) return n.status();
          if (*n == 0) break;
          RODO_RETURN_IF_ERROR(stream.Feed({buf.data(), *n}, false, discard));
        }
        RODO_RETURN_IF_ERROR(stream.Finish(false, discard));
      }
      drop.push_back(in_name + stream.occurrences() > 0);
    }
  }

  auto reader_or = ArchiveReader::Open(src);
  if (!reader_or.ok()) return reader_or.status();
  ArchiveReader& reader = **reader_or;
  std::unique_ptr<archive, WriterDeleter> w(archive_write_new());
  auto werr = [&](const std::string& what) {
    const char* m = archive_error_string(w.get());
    return Status::IoError(what + (m ? std::string(": ") + m : std::string()));
  };
  bool opened = false;
  RewriteStats stats;
  RedactingStream stream(detectors, matcher);
  std::vector<char> buf(kBlock);
  std::unordered_set<std::string> dropped_paths;
  auto sink = [&](std::string_view bytes) -> Status {
    if (bytes.empty()) return Status::Ok();
    la_ssize_t n = archive_write_data(w.get(), bytes.data(), bytes.size());
    if (n < 0 || static_cast<size_t>(n) != bytes.size()) return werr("write failed");
    return Status::Ok();
  };
  auto open_writer = [&]() -> Status {
    RODO_RETURN_IF_ERROR(MatchFormat(reader.handle(), w.get(), reader.is_raw()));
    archive_write_set_bytes_in_last_block(w.get(), 1);
    if (archive_write_open_filename(w.get(), dst.c_str()) != ARCHIVE_OK) return werr("cannot create " + dst);
    opened = true;
    return Status::Ok();
  };
  for (size_t ordinal = 0;; ++ordinal) {
    EntryInfo info;
    bool has = false;
    RODO_RETURN_IF_ERROR(reader.Next(&info, &has));
    if (!has) break;
    ++stats.entries_in;
    if (!opened) RODO_RETURN_IF_ERROR(open_writer());
    archive_entry* e = reader.entry();
    const char* hardlink = archive_entry_hardlink(e);
    bool skip = mode == EraseMode::kDrop &&
                ((ordinal < drop.size() && drop[ordinal]) || (hardlink && dropped_paths.count(hardlink)));
    if (skip) {
      ++stats.dropped;
      if (!reader.is_raw()) dropped_paths.insert(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
      stats.occurrences += CountInText(detectors, matcher, info.path.c_str(), hits, value);
      stream.Reset();
      if (info.is_regular) {
        auto discard = [](std::string_view) { return Status::Ok(); };
        while (true) {
          auto n = reader.Read(buf.data(), buf.size());
          if (!n.ok()) return n.status();
          if (*n == 0) break;
          RODO_RETURN_IF_ERROR(stream.Feed({buf.data(), *n}, false, discard));
        }
        RODO_RETURN_IF_ERROR(stream.Finish(false, discard));
        stats.occurrences += stream.occurrences();
      }
      continue;
    }
    if (mode == EraseMode::kRedact && !reader.is_raw()) {
      // Identifiers in the name, hard link and symlink targets are redacted in place.
      struct {
        const char* (*get)(archive_entry*);
        void (*set)(archive_entry*, const char*);
        const char* (*get_raw)(archive_entry*);
        void (*set_raw)(archive_entry*, const char*);
        bool counts;
      } names[] = {
          {archive_entry_pathname_utf8, archive_entry_set_pathname_utf8, archive_entry_pathname,
           archive_entry_copy_pathname, true},
          {archive_entry_hardlink_utf8, archive_entry_set_hardlink_utf8, archive_entry_hardlink,
           archive_entry_copy_hardlink, false},
          {archive_entry_symlink_utf8, archive_entry_set_symlink_utf8, archive_entry_symlink,
           archive_entry_copy_symlink, false},
      };
      for (auto& n : names) {
        const char* utf8 = n.get(e);
        const char* raw = utf8 ? nullptr : n.get_raw(e);
        if (!utf8 && !raw) continue;
        std::string text = utf8 ? utf8 : raw;
        size_t k = RedactText(detectors, matcher, text, hits, value);
        if (k == 0) continue;
        if (n.counts) stats.occurrences += k;
        if (utf8) {
          n.set(e, text.c_str());
        } else {
          n.set_raw(e, text.c_str());
        }
      }
    }
    // Holes of sparse files are copied as zeros (the data stays identical).
    archive_entry_sparse_clear(e);
    if (archive_write_header(w.get(), e) < ARCHIVE_WARN) return werr("cannot write entry " + info.path);
    ++stats.entries_out;
    if (!info.is_regular) continue;
    stream.Reset();
    const bool redact = mode == EraseMode::kRedact;
    while (true) {
      auto n = reader.Read(buf.data(), buf.size());
      if (!n.ok()) return n.status();
      if (*n == 0) break;
      stats.bytes += *n;
      RODO_RETURN_IF_ERROR(stream.Feed({buf.data(), *n}, redact, sink));
    }
    RODO_RETURN_IF_ERROR(stream.Finish(redact, sink));
    stats.occurrences += stream.occurrences();
  }
  if (!opened) RODO_RETURN_IF_ERROR(open_writer());  // an empty archive stays an empty archive
  if (archive_write_close(w.get()) != ARCHIVE_OK) return werr("cannot finish " + dst);
  return stats;
}

StatusOr<VerifyStats> CountSubjectOccurrences(const std::string& path, SubjectMatcher& matcher) {
  auto reader = ArchiveReader::Open(path);
  if (!reader.ok()) return reader.status();
  DetectorSet detectors;
  RedactingStream stream(detectors, matcher);
  std::vector<Hit> hits;
  std::string value;
  std::vector<char> buf(kBlock);
  VerifyStats v;
  auto discard = [](std::string_view) { return Status::Ok(); };
  while (true) {
    EntryInfo info;
    bool has = false;
    RODO_RETURN_IF_ERROR((*reader)->Next(&info, &has));
    if (!has) break;
    ++v.entries;
    v.occurrences += CountInText(detectors, matcher, info.path.c_str(), hits, value);
    if (!info.is_regular) continue;
    stream.Reset();
    while (true) {
      auto n = (*reader)->Read(buf.data(), buf.size());
      if (!n.ok()) return n.status();
      if (*n == 0) break;
      RODO_RETURN_IF_ERROR(stream.Feed({buf.data(), *n}, false, discard));
    }
    RODO_RETURN_IF_ERROR(stream.Finish(false, discard));
    v.occurrences += stream.occurrences();
  }
  return v;
}

}  // namespace rodo
