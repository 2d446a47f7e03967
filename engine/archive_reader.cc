#include "engine/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <cstring>
#include <sys/stat.h>

namespace rodo {
namespace {

constexpr size_t kReadBlock = 1 << 20;

archive* NewReader(bool raw, bool also_raw = false) {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  if (raw) {
    archive_read_support_format_raw(a);
  } else {
    if (also_raw) archive_read_support_format_raw(a);  // bids lowest: only when nothing else fits
    // Archive formats with a recognisable header. Not mtree (it takes plain text for an
    // archive) and not raw (bare compressed files are handled below).
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    archive_read_support_format_cpio(a);
    archive_read_support_format_zip(a);
    archive_read_support_format_7zip(a);
    archive_read_support_format_ar(a);
    archive_read_support_format_iso9660(a);
    archive_read_support_format_xar(a);
    archive_read_support_format_cab(a);
    archive_read_support_format_lha(a);
    archive_read_support_format_rar(a);
    archive_read_support_format_rar5(a);
    archive_read_support_format_warc(a);
    archive_read_support_format_empty(a);
  }
  return a;
}

bool StartsLikeZip(const std::string& path) {
  char head[4] = {};
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  size_t n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  return n == 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5 || head[2] == 7);
}

}  // namespace

std::string StripCompressionSuffix(const std::string& name, bool keep_dirs) {
  size_t slash = name.rfind('/');
  std::string base = slash == std::string::npos || keep_dirs ? name : name.substr(slash + 1);
  static const char* kSuffixes[] = {".gz", ".tgz", ".bz2", ".xz", ".lzma", ".zst", ".lz4", ".Z", ".lz"};
  for (const char* s : kSuffixes) {
    size_t n = std::strlen(s);
    if (base.size() > n && base.compare(base.size() - n, n, s) == 0) {
      std::string stem = base.substr(0, base.size() - n);
      return std::strcmp(s, ".tgz") == 0 ? stem + ".tar" : stem;
    }
  }
  return base;
}

ArchiveReader::~ArchiveReader() {
  if (a_) archive_read_free(a_);
}

Status ArchiveReader::Error(const std::string& what) const {
  const char* msg = a_ ? archive_error_string(a_) : nullptr;
  return Status::Corruption(what + (msg ? std::string(": ") + msg : std::string()));
}

StatusOr<std::unique_ptr<ArchiveReader>> ArchiveReader::Open(const std::string& path, const std::string& name_as) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::IoError("cannot open: " + std::string(std::strerror(errno)));
  std::unique_ptr<ArchiveReader> r(new ArchiveReader());
  r->path_ = path;
  r->outer_name_ = name_as.empty() ? path : name_as;
  r->a_ = NewReader(false);
  int rc = archive_read_open_filename(r->a_, path.c_str(), kReadBlock);
  if (rc == ARCHIVE_OK) rc = archive_read_next_header(r->a_, &r->entry_);
  if ((rc == ARCHIVE_OK || rc == ARCHIVE_WARN) &&
      (archive_format(r->a_) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP && S_ISREG(st.st_mode) &&
      !StartsLikeZip(path)) {
    // libarchive finds a zip by its central directory at the end; a file that does not
    // start like one is a damaged archive that merely ends with an embedded zip.
    return Status::Corruption("corrupt: does not start like any archive (only an embedded zip was found)");
  }
  if (rc == ARCHIVE_OK || rc == ARCHIVE_WARN || rc == ARCHIVE_EOF) {
    r->pending_first_ = true;
    r->raw_done_ = rc == ARCHIVE_EOF;
    if (rc == ARCHIVE_EOF) r->entry_ = nullptr;
    return r;
  }
  // Not an archive format: a bare compressed file is a one-entry snapshot.
  std::string first_error = archive_error_string(r->a_) ? archive_error_string(r->a_) : "unknown";
  archive_read_free(r->a_);
  r->a_ = NewReader(true);
  rc = archive_read_open_filename(r->a_, path.c_str(), kReadBlock);
  if (rc == ARCHIVE_OK) rc = archive_read_next_header(r->a_, &r->entry_);
  if ((rc == ARCHIVE_OK || rc == ARCHIVE_WARN) && archive_filter_count(r->a_) > 1 &&
      archive_filter_code(r->a_, 0) != ARCHIVE_FILTER_NONE) {
    r->raw_ = true;
    r->pending_first_ = true;
    return r;
  }
  if (rc == ARCHIVE_FATAL && archive_filter_count(r->a_) > 1 && archive_filter_code(r->a_, 0) != ARCHIVE_FILTER_NONE)
    return r->Error("corrupt compressed stream");
  return Status::Corruption("not an archive (" + first_error + ")");
}

ContentKind SniffContent(const char* p, size_t n) {
  auto at = [&](size_t off, const char* magic, size_t len) {
    return n >= off + len && std::memcmp(p + off, magic, len) == 0;
  };
  if (at(0, "\x1f\x8b", 2) || at(0, "BZh", 3) || at(0, "\xfd" "7zXZ\x00", 6) || at(0, "\x28\xb5\x2f\xfd", 4) ||
      at(0, "\x04\x22\x4d\x18", 4) || at(0, "\x1f\x9d", 2))
    return ContentKind::kCompressed;
  if (at(0, "7z\xbc\xaf\x27\x1c", 6)) return ContentKind::kSevenZip;
  if (at(0, "PK\x03\x04", 4) || at(0, "PK\x05\x06", 4) || at(257, "ustar", 5) || at(0, "070701", 6) ||
      at(0, "070702", 6) || at(0, "070707", 6) || at(0, "\xc7\x71", 2) || at(0, "\x71\xc7", 2) ||
      at(0, "!<arch>\n", 8) || at(0, "Rar!\x1a\x07", 6) || at(0, "MSCF", 4) || at(0, "xar!", 4))
    return ContentKind::kArchive;
  if (at(0, "\xff\xfe", 2)) return ContentKind::kUtf16Le;
  if (at(0, "\xfe\xff", 2)) return ContentKind::kUtf16Be;
  return ContentKind::kPlain;
}

la_ssize_t ArchiveReader::ReadCallback(archive* a, void* self_ptr, const void** buf) {
  auto* self = static_cast<ArchiveReader*>(self_ptr);
  if (!self->prefix_.empty()) {
    // Hand over the sniffed bytes first (kept alive until the next call).
    self->memory_ = std::move(self->prefix_);
    self->prefix_.clear();
    *buf = self->memory_.data();
    return static_cast<la_ssize_t>(self->memory_.size());
  }
  constexpr size_t kBlock = 64 * 1024;
  if (!self->block_) self->block_ = std::make_unique<char[]>(kBlock);
  auto r = self->source_->Read(self->block_.get(), kBlock);
  if (!r.ok()) {
    self->source_error_ = r.status();
    archive_set_error(a, EIO, "%s", r.status().message().c_str());
    return -1;
  }
  self->pulled_ += *r;
  *buf = self->block_.get();
  return static_cast<la_ssize_t>(*r);
}

StatusOr<std::unique_ptr<ArchiveReader>> ArchiveReader::OpenNested(ByteSource* source, std::string prefix,
                                                                   const std::string& outer_name) {
  std::unique_ptr<ArchiveReader> r(new ArchiveReader());
  r->source_ = source;
  r->pulled_ = prefix.size();
  r->prefix_ = std::move(prefix);
  r->outer_name_ = outer_name;
  r->path_ = outer_name;
  r->a_ = NewReader(false, true);
  int rc = archive_read_open(r->a_, r.get(), nullptr, &ArchiveReader::ReadCallback, nullptr);
  RODO_RETURN_IF_ERROR(r->ReadFirstHeader(rc));
  return r;
}

Status ArchiveReader::ReadFirstHeader(int rc) {
  if (rc == ARCHIVE_OK) rc = archive_read_next_header(a_, &entry_);
  if (!source_error_.ok()) return source_error_;
  pending_first_ = true;
  if (rc == ARCHIVE_EOF) {  // an empty archive
    entry_ = nullptr;
    raw_done_ = true;
    return Status::Ok();
  }
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return Error("corrupt or truncated");
  raw_ = (archive_format(a_) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW;
  return Status::Ok();
}

StatusOr<std::unique_ptr<ArchiveReader>> ArchiveReader::OpenMemory(std::string data, const std::string& outer_name) {
  std::unique_ptr<ArchiveReader> r(new ArchiveReader());
  r->memory_ = std::move(data);
  r->pulled_ = r->memory_.size();
  r->outer_name_ = outer_name;
  r->path_ = outer_name;
  r->a_ = NewReader(false);
  RODO_RETURN_IF_ERROR(r->ReadFirstHeader(archive_read_open_memory(r->a_, r->memory_.data(), r->memory_.size())));
  return r;
}

Status ArchiveReader::Next(EntryInfo* info, bool* has) {
  *has = false;
  if (!pending_first_) {
    if (raw_done_ || raw_) {
      raw_done_ = true;
      return Status::Ok();
    }
    int rc = archive_read_next_header(a_, &entry_);
    if (rc == ARCHIVE_EOF) return Status::Ok();
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      if (!source_error_.ok()) return source_error_;
      return Error("corrupt or truncated archive");
    }
  }
  pending_first_ = false;
  if (!entry_) return Status::Ok();
  if (raw_) {
    info->path = source_ ? StripCompressionSuffix(outer_name_, true) : StripCompressionSuffix(outer_name_);
    info->is_regular = true;
    info->size = -1;
  } else {
    const char* p = archive_entry_pathname_utf8(entry_);
    if (!p) p = archive_entry_pathname(entry_);  // not convertible: the stored bytes
    info->path = p ? p : "";
    info->is_regular = archive_entry_filetype(entry_) == AE_IFREG && archive_entry_hardlink(entry_) == nullptr;
    info->size = archive_entry_size_is_set(entry_) ? archive_entry_size(entry_) : -1;
  }
  *has = true;
  return Status::Ok();
}

StatusOr<size_t> ArchiveReader::Read(char* buf, size_t n) {
  la_ssize_t r = archive_read_data(a_, buf, n);
  if (r < 0) {
    if (r == ARCHIVE_WARN) return size_t{0};
    if (!source_error_.ok()) return source_error_;
    return Error("corrupt or truncated data");
  }
  return static_cast<size_t>(r);
}

int64_t ArchiveReader::consumed() const { return a_ ? archive_filter_bytes(a_, -1) : 0; }

}  // namespace rodo
