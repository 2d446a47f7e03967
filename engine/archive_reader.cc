#include "engine/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstring>
#include <sys/stat.h>

namespace rodo {
namespace {

constexpr size_t kReadBlock = 1 << 20;

archive* NewReader(bool raw) {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  if (raw) {
    archive_read_support_format_raw(a);
  } else {
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

}  // namespace

std::string StripCompressionSuffix(const std::string& name) {
  size_t slash = name.rfind('/');
  std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
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

StatusOr<std::unique_ptr<ArchiveReader>> ArchiveReader::Open(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::IoError("cannot open: " + std::string(std::strerror(errno)));
  std::unique_ptr<ArchiveReader> r(new ArchiveReader());
  r->path_ = path;
  r->a_ = NewReader(false);
  int rc = archive_read_open_filename(r->a_, path.c_str(), kReadBlock);
  if (rc == ARCHIVE_OK) rc = archive_read_next_header(r->a_, &r->entry_);
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

Status ArchiveReader::Next(EntryInfo* info, bool* has) {
  *has = false;
  if (!pending_first_) {
    if (raw_done_ || raw_) {
      raw_done_ = true;
      return Status::Ok();
    }
    int rc = archive_read_next_header(a_, &entry_);
    if (rc == ARCHIVE_EOF) return Status::Ok();
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return Error("corrupt or truncated archive");
  }
  pending_first_ = false;
  if (!entry_) return Status::Ok();
  if (raw_) {
    info->path = StripCompressionSuffix(path_);
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
    return Error("corrupt or truncated data");
  }
  return static_cast<size_t>(r);
}

int64_t ArchiveReader::consumed() const { return a_ ? archive_filter_bytes(a_, -1) : 0; }

}  // namespace rodo
