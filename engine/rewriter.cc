#include "engine/rewriter.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <unordered_set>

#include "engine/archive_reader.h"
#include "scanners/detector.h"
#include "scanners/stream_scanner.h"
#include "scanners/utf16.h"

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

size_t CountInText(const DetectorSet& d, SubjectMatcher& m, const std::string& text, std::vector<Hit>& hits,
                   std::string& value) {
  if (text.empty()) return 0;
  std::string copy(text);
  return RedactText(d, m, copy, hits, value);
}

// Streams an entry's bytes through the detectors; the subject's occurrences are overwritten
// with '*' (in the entry's own encoding) before the bytes are passed on. Holds back only the
// bytes whose hits are not known yet (the scanner's carry-over). UTF-16 text is matched
// narrowed to one byte per code unit, and redacted in its own bytes.
class RedactingStream {
 public:
  RedactingStream(const DetectorSet& d, SubjectMatcher& m) : scanner_(d, kBlock), matcher_(m) {}

  void Start(TextEncoding enc) {
    pending_.clear();
    pending_start_ = 0;
    occurrences_ = 0;
    enc_ = enc;
    narrower_.Reset(enc == TextEncoding::kUtf16Be);
  }

  template <typename Sink>
  Status Feed(std::string_view bytes, bool redact, Sink&& sink) {
    pending_.append(bytes);
    hits_.clear();
    if (enc_ == TextEncoding::kBytes) {
      scanner_.Feed(bytes, hits_);
    } else {
      narrow_.resize(bytes.size() / 2 + 1);
      narrow_.resize(narrower_.Feed(bytes.data(), bytes.size(), narrow_.data()));
      scanner_.Feed(narrow_, hits_);
    }
    return Apply(redact, false, sink);
  }
  template <typename Sink>
  Status Finish(bool redact, Sink&& sink) {
    hits_.clear();
    scanner_.Finish(hits_);
    return Apply(redact, true, sink);
  }
  uint64_t occurrences() const { return occurrences_; }

 private:
  // Raw offset in the entry of narrowed offset `n` (after the 2-byte BOM).
  uint64_t RawOf(uint64_t n) const { return enc_ == TextEncoding::kBytes ? n : 2 + 2 * n; }

  template <typename Sink>
  Status Apply(bool redact, bool at_end, Sink& sink) {
    uint64_t safe = pending_start_ + pending_.size();
    for (const Hit& h : hits_) {
      const uint64_t raw_at = RawOf(h.offset);
      const uint64_t raw_len = enc_ == TextEncoding::kBytes ? h.length : 2 * h.length;
      const size_t at = static_cast<size_t>(raw_at - pending_start_);
      if (enc_ == TextEncoding::kBytes) {
        NormaliseFound(h.kind, std::string_view(pending_).substr(at, h.length), value_);
      } else {
        hit_text_.clear();  // the hit's code units: its identifiers are ASCII
        for (uint64_t k = 0; k < h.length; ++k)
          hit_text_.push_back(pending_[at + 2 * k + (enc_ == TextEncoding::kUtf16Be ? 1 : 0)]);
        NormaliseFound(h.kind, hit_text_, value_);
      }
      if (!matcher_.Matches(h.kind, value_)) continue;
      ++occurrences_;
      if (!redact) continue;
      if (enc_ == TextEncoding::kBytes) {
        std::fill(pending_.begin() + static_cast<std::ptrdiff_t>(at),
                  pending_.begin() + static_cast<std::ptrdiff_t>(at + raw_len), '*');
      } else {
        for (uint64_t k = 0; k < h.length; ++k) {
          pending_[at + 2 * k] = enc_ == TextEncoding::kUtf16Be ? '\0' : '*';
          pending_[at + 2 * k + 1] = enc_ == TextEncoding::kUtf16Be ? '*' : '\0';
        }
      }
    }
    // Bytes from the first unreported position on may still belong to a hit.
    if (!at_end) safe = std::min<uint64_t>(safe, RawOf(scanner_.reported_until()));
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
  std::string narrow_;
  std::string hit_text_;
  Utf16Narrower narrower_;
  uint64_t occurrences_ = 0;
  TextEncoding enc_ = TextEncoding::kBytes;
};

bool IsContainer(ContentKind k) {
  return k == ContentKind::kArchive || k == ContentKind::kCompressed || k == ContentKind::kSevenZip;
}
TextEncoding EncodingOf(ContentKind k) {
  return k == ContentKind::kUtf16Le ? TextEncoding::kUtf16Le
         : k == ContentKind::kUtf16Be ? TextEncoding::kUtf16Be
                                      : TextEncoding::kBytes;
}

// Reads the first bytes of the current entry (to tell containers and encodings apart).
StatusOr<std::string> ReadPrefix(ArchiveReader& reader) {
  std::string prefix(kSniffBytes, '\0');
  size_t got = 0;
  while (got < prefix.size()) {
    auto r = reader.Read(prefix.data() + got, prefix.size() - got);
    if (!r.ok()) return r.status();
    if (*r == 0) break;
    got += *r;
  }
  prefix.resize(got);
  return prefix;
}

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
    // zstd and xz compress on worker threads while this thread reads and redacts.
    const std::string threads = std::to_string(std::max(1u, std::thread::hardware_concurrency()));
    if (code == ARCHIVE_FILTER_ZSTD) archive_write_set_filter_option(w, "zstd", "threads", threads.c_str());
    if (code == ARCHIVE_FILTER_XZ) archive_write_set_filter_option(w, "xz", "threads", threads.c_str());
  }
  return Status::Ok();
}

// A temporary file that is removed when it goes out of scope.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

class Rewriter {
 public:
  Rewriter(SubjectMatcher& m, EraseMode mode, const WalkLimits& limits) : matcher_(m), mode_(mode), limits_(limits) {}

  StatusOr<RewriteStats> Run(const std::string& src, const std::string& dst, int depth) {
    std::vector<bool> drop;
    if (mode_ == EraseMode::kDrop) {
      auto d = DropPlan(src);
      if (!d.ok()) return d.status();
      drop = std::move(*d);
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
    RedactingStream stream(detectors_, matcher_);
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
      const bool skip = mode_ == EraseMode::kDrop &&
                        ((ordinal < drop.size() && drop[ordinal]) || (hardlink && dropped_paths.count(hardlink)));
      if (skip) {
        ++stats.dropped;
        if (!reader.is_raw()) dropped_paths.insert(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
        stats.occurrences += CountInText(detectors_, matcher_, info.path, hits_, value_);
        if (info.is_regular) {
          auto prefix = ReadPrefix(reader);
          if (!prefix.ok()) return prefix.status();
          stats.occurrences += ContentOccurrences(reader, *prefix);
        }
        continue;
      }
      if (mode_ == EraseMode::kRedact && !reader.is_raw()) RedactNames(e, stats);
      // Holes of sparse files are copied as zeros (the data stays identical).
      archive_entry_sparse_clear(e);
      if (!info.is_regular) {
        if (archive_write_header(w.get(), e) < ARCHIVE_WARN) return werr("cannot write entry " + info.path);
        ++stats.entries_out;
        continue;
      }
      auto prefix = ReadPrefix(reader);
      if (!prefix.ok()) return prefix.status();
      const ContentKind kind = SniffContent(prefix->data(), prefix->size());
      if (IsContainer(kind) && depth < limits_.max_depth) {
        // A container: spool it, rewrite it in its own format, write whichever applies.
        TempFile in{dst + ".d" + std::to_string(depth) + ".in"}, out{dst + ".d" + std::to_string(depth) + ".out"};
        RODO_RETURN_IF_ERROR(Spool(reader, *prefix, in.path));
        auto inner = Run(in.path, out.path, depth + 1);
        const std::string* chosen = &in.path;
        if (inner.ok()) {
          stats.occurrences += inner->occurrences;
          if (inner->occurrences > 0) chosen = &out.path;
        }
        // An inner container that cannot be read or written stays as it was (the scan warned).
        struct stat st {};
        ::stat(chosen->c_str(), &st);
        archive_entry_set_size(e, st.st_size);
        if (archive_write_header(w.get(), e) < ARCHIVE_WARN) return werr("cannot write entry " + info.path);
        ++stats.entries_out;
        RODO_RETURN_IF_ERROR(CopyFile(*chosen, sink));
        continue;
      }
      if (archive_write_header(w.get(), e) < ARCHIVE_WARN) return werr("cannot write entry " + info.path);
      ++stats.entries_out;
      const bool redact = mode_ == EraseMode::kRedact;
      stream.Start(EncodingOf(kind));
      RODO_RETURN_IF_ERROR(stream.Feed(*prefix, redact, sink));
      while (true) {
        auto n = reader.Read(buf.data(), buf.size());
        if (!n.ok()) return n.status();
        if (*n == 0) break;
        RODO_RETURN_IF_ERROR(stream.Feed({buf.data(), *n}, redact, sink));
      }
      RODO_RETURN_IF_ERROR(stream.Finish(redact, sink));
      stats.occurrences += stream.occurrences();
    }
    if (!opened) RODO_RETURN_IF_ERROR(open_writer());  // an empty archive stays an empty archive
    if (archive_write_close(w.get()) != ARCHIVE_OK) return werr("cannot finish " + dst);
    return stats;
  }

 private:
  // Drop mode: which entries (by position) hold the subject in their name or their own bytes.
  // A container is not dropped for what it holds: its inner entries are.
  StatusOr<std::vector<bool>> DropPlan(const std::string& src) {
    auto reader = ArchiveReader::Open(src);
    if (!reader.ok()) return reader.status();
    std::vector<bool> drop;
    while (true) {
      EntryInfo info;
      bool has = false;
      RODO_RETURN_IF_ERROR((*reader)->Next(&info, &has));
      if (!has) break;
      uint64_t n = CountInText(detectors_, matcher_, info.path, hits_, value_);
      if (info.is_regular) {
        auto prefix = ReadPrefix(**reader);
        if (!prefix.ok()) return prefix.status();
        if (!IsContainer(SniffContent(prefix->data(), prefix->size()))) n += ContentOccurrences(**reader, *prefix);
      }
      drop.push_back(n > 0);
    }
    return drop;
  }

  // The subject's occurrences in the rest of the current entry (plain or UTF-16 bytes).
  uint64_t ContentOccurrences(ArchiveReader& reader, const std::string& prefix) {
    RedactingStream stream(detectors_, matcher_);
    auto discard = [](std::string_view) { return Status::Ok(); };
    stream.Start(EncodingOf(SniffContent(prefix.data(), prefix.size())));
    (void)stream.Feed(prefix, false, discard);
    std::vector<char> buf(kBlock);
    while (true) {
      auto n = reader.Read(buf.data(), buf.size());
      if (!n.ok() || *n == 0) break;
      (void)stream.Feed({buf.data(), *n}, false, discard);
    }
    (void)stream.Finish(false, discard);
    return stream.occurrences();
  }

  void RedactNames(archive_entry* e, RewriteStats& stats) {
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
      size_t k = RedactText(detectors_, matcher_, text, hits_, value_);
      if (k == 0) continue;
      if (n.counts) stats.occurrences += k;
      if (utf8) {
        n.set(e, text.c_str());
      } else {
        n.set_raw(e, text.c_str());
      }
    }
  }

  static Status Spool(ArchiveReader& reader, const std::string& prefix, const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return Status::IoError("cannot create " + path + ": " + std::strerror(errno));
    bool ok = std::fwrite(prefix.data(), 1, prefix.size(), f) == prefix.size();
    std::vector<char> buf(kBlock);
    while (ok) {
      auto n = reader.Read(buf.data(), buf.size());
      if (!n.ok()) {
        std::fclose(f);
        return n.status();
      }
      if (*n == 0) break;
      ok = std::fwrite(buf.data(), 1, *n, f) == *n;
    }
    if (std::fclose(f) != 0) ok = false;
    if (!ok) return Status::IoError("cannot write " + path + ": " + std::strerror(errno));
    return Status::Ok();
  }

  template <typename Sink>
  static Status CopyFile(const std::string& path, Sink& sink) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return Status::IoError("cannot read " + path);
    std::vector<char> buf(kBlock);
    Status s;
    while (s.ok()) {
      size_t n = std::fread(buf.data(), 1, buf.size(), f);
      if (n == 0) break;
      s = sink(std::string_view(buf.data(), n));
    }
    std::fclose(f);
    return s;
  }

  SubjectMatcher& matcher_;
  EraseMode mode_;
  WalkLimits limits_;
  DetectorSet detectors_;
  std::vector<Hit> hits_;
  std::string value_;
};

}  // namespace

StatusOr<RewriteStats> RewriteSnapshot(const std::string& src, const std::string& dst, SubjectMatcher& matcher,
                                       EraseMode mode, const WalkLimits& limits) {
  Rewriter r(matcher, mode, limits);
  return r.Run(src, dst, 0);
}

}  // namespace rodo
