#include "tests/test_util.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <clocale>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>

namespace rodo::testing {
namespace {
// libarchive converts entry names through the C library's locale; rodo runs in C.UTF-8
// (cli/main.cc sets it), and so do the tests.
const bool kUtf8Locale = std::setlocale(LC_CTYPE, "C.UTF-8") != nullptr;
}  // namespace

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "rodo-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string VectorsDir() { return RODO_VECTORS_DIR; }

std::string FileSha256(const std::string& path) {
  std::string data = ReadFile(path);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 15]);
  }
  return hex;
}

std::vector<std::string> Found(const std::string& text, DetectorKind kind) {
  DetectorSet d;
  std::vector<Hit> hits;
  d.Scan(Window{text.data(), text.size(), 0, text.size(), 0}, hits);
  std::vector<std::string> out;
  std::string value;
  for (const Hit& h : hits) {
    if (h.kind != kind) continue;
    NormaliseFound(h.kind, std::string_view(text).substr(h.offset, h.length), value);
    out.push_back(text.substr(h.offset, h.length) + "=" + value);
  }
  return out;
}

Running SpawnRodo(const std::vector<std::string>& args, const std::string& io_dir, long max_file_size) {
  std::string in_path = io_dir + "/stdin", out_path = io_dir + "/stdout", err_path = io_dir + "/stderr";
  if (!std::filesystem::exists(in_path)) std::ofstream(in_path, std::ios::binary).flush();
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open(in_path.c_str(), O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    if (max_file_size > 0) {
      ::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails with EFBIG, like a full disk
      struct rlimit rl {static_cast<rlim_t>(max_file_size), static_cast<rlim_t>(max_file_size)};
      ::setrlimit(RLIMIT_FSIZE, &rl);
    }
    std::vector<char*> argv;
    std::string bin = RODO_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  return Running{pid, io_dir};
}

CommandResult Wait(const Running& r) {
  int status = 0;
  struct rusage ru {};
  ::wait4(r.pid, &status, 0, &ru);
  CommandResult c;
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  c.out = ReadFile(r.io_dir + "/stdout");
  c.err = ReadFile(r.io_dir + "/stderr");
  c.max_rss_kib = ru.ru_maxrss;
  return c;
}

CommandResult RunRodo(const std::vector<std::string>& args, const std::string& input) {
  TempDir io;
  std::ofstream(io / "stdin", std::ios::binary) << input;
  return Wait(SpawnRodo(args, io.path().string()));
}

namespace {

bool NamedLikeContainer(const std::string& name) {
  for (const char* sfx : {".zip", ".gz", ".docx", ".xlsx", ".odt", ".tar", ".7z", ".tgz"}) {
    size_t n = std::strlen(sfx);
    if (name.size() > n && name.compare(name.size() - n, n, sfx) == 0) return true;
  }
  return false;
}

void DumpOpen(archive* a, ArchiveDump& d) {
  archive_entry* e;
  int rc;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
    EntryDump x;
    const char* p = archive_entry_pathname_utf8(e);
    x.path = p ? p : (archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
    x.type = archive_entry_filetype(e);
    x.mode = archive_entry_perm(e);
    x.uid = archive_entry_uid(e);
    x.gid = archive_entry_gid(e);
    x.uname = archive_entry_uname(e) ? archive_entry_uname(e) : "";
    x.gname = archive_entry_gname(e) ? archive_entry_gname(e) : "";
    // A bare compressed stream's only metadata is its gzip header time: when it was written.
    x.mtime = (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW ? 0 : archive_entry_mtime(e);
    x.symlink = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
    x.hardlink = archive_entry_hardlink(e) ? archive_entry_hardlink(e) : "";
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) x.data.append(buf, static_cast<size_t>(n));
    if (n < 0) d.error = archive_error_string(a) ? archive_error_string(a) : "data error";
    if (x.type == AE_IFREG && NamedLikeContainer(x.path)) {
      ArchiveDump inner = DumpMemory(x.data);
      if (inner.error.empty()) {
        x.container = true;
        x.inner = std::move(inner.entries);
        x.data.clear();
      }
    }
    d.entries.push_back(std::move(x));
  }
  if (rc != ARCHIVE_EOF) d.error = archive_error_string(a) ? archive_error_string(a) : "header error";
  d.format = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
  for (int i = 0; i < archive_filter_count(a); ++i) d.filters.push_back(archive_filter_code(a, i));
}

archive* NewDumpReader() {
  archive* a = archive_read_new();
  archive_read_support_format_all(a);
  archive_read_support_format_raw(a);
  archive_read_support_filter_all(a);
  return a;
}

}  // namespace

ArchiveDump DumpMemory(const std::string& bytes) {
  ArchiveDump d;
  archive* a = NewDumpReader();
  if (archive_read_open_memory(a, bytes.data(), bytes.size()) != ARCHIVE_OK) {
    d.error = archive_error_string(a) ? archive_error_string(a) : "open failed";
  } else {
    DumpOpen(a, d);
  }
  archive_read_free(a);
  return d;
}

ArchiveDump DumpArchive(const std::string& path) {
  ArchiveDump d;
  archive* a = NewDumpReader();
  if (archive_read_open_filename(a, path.c_str(), 65536) != ARCHIVE_OK) {
    d.error = archive_error_string(a) ? archive_error_string(a) : "open failed";
  } else {
    DumpOpen(a, d);
  }
  archive_read_free(a);
  return d;
}

// What the snapshot must hold after erasing `subject` (from the ground truth only).
namespace {

// Applies the erasure of `subject` to `entries`, the entries at `prefix` (an entry path of
// containers; empty: the snapshot itself).
std::vector<EntryDump> ExpectedAt(std::vector<EntryDump> entries, const std::vector<corpus::Planted>& truth,
                                  const std::string& snapshot, int subject, bool drop,
                                  const std::vector<std::string>& prefix, bool raw) {
  std::map<std::string, std::vector<const corpus::Planted*>> by_entry;  // occurrences directly in an entry
  std::set<std::string> holds_inside;                                  // containers with occurrences inside
  for (const auto& p : truth) {
    if (p.snapshot != snapshot || p.subject != subject || p.entry.size() <= prefix.size()) continue;
    if (!std::equal(prefix.begin(), prefix.end(), p.entry.begin())) continue;
    if (p.entry.size() == prefix.size() + 1) {
      by_entry[p.entry.back()].push_back(&p);
    } else {
      holds_inside.insert(p.entry[prefix.size()]);
    }
  }
  std::map<std::string, std::string> renamed;
  std::set<std::string> dropped;
  std::vector<EntryDump> out;
  for (EntryDump e : entries) {
    std::string key = e.path;
    if (raw) key = by_entry.empty() ? key : by_entry.begin()->first;  // a bare compressed stream's one entry
    auto it = by_entry.find(key);
    const bool holds = it != by_entry.end();
    if (e.container) {
      std::vector<std::string> inner_prefix = prefix;
      inner_prefix.push_back(e.path);
      e.inner = ExpectedAt(e.inner, truth, snapshot, subject, drop, inner_prefix,
                           e.inner.size() == 1 && e.inner[0].path == "data");
    }
    if (drop) {
      const bool name_holds = holds && std::any_of(it->second.begin(), it->second.end(),
                                                   [](const corpus::Planted* p) { return p->field == "name"; });
      if ((holds && (!e.container || name_holds)) || (!e.hardlink.empty() && dropped.count(e.hardlink))) {
        dropped.insert(e.path);
        continue;
      }
      out.push_back(e);
      continue;
    }
    std::string orig = e.path;
    if (holds) {
      for (const corpus::Planted* p : it->second) {
        std::string& target = p->field == "name" ? e.path : e.data;
        for (uint64_t i = p->offset; i < p->offset + p->length; ++i) {
          // UTF-16 text: '*' code units (the generator writes UTF-16 little-endian).
          bool utf16 = target.size() >= 2 && target[0] == '\xff' && target[1] == '\xfe' && p->field == "content";
          target[i] = utf16 && (i - p->offset) % 2 == 1 ? '\0' : '*';
        }
      }
    }
    renamed[orig] = e.path;
    if (!e.hardlink.empty() && renamed.count(e.hardlink)) e.hardlink = renamed[e.hardlink];
    out.push_back(e);
  }
  return out;
}

}  // namespace

std::vector<EntryDump> Expected(const ArchiveDump& before, const std::vector<corpus::Planted>& truth,
                                const std::string& snapshot, int subject, bool drop) {
  return ExpectedAt(before.entries, truth, snapshot, subject, drop, {}, before.format == ARCHIVE_FORMAT_RAW);
}

std::vector<corpus::Planted> ReadGroundTruth(const std::string& out_dir) {
  std::ifstream f(out_dir + "/ground_truth.jsonl");
  std::vector<corpus::Planted> out;
  std::string line;
  while (std::getline(f, line)) {
    auto j = nlohmann::json::parse(line);
    corpus::Planted p;
    p.snapshot = j["snapshot"];
    p.entry = j["entry"].get<std::vector<std::string>>();
    p.field = j["field"];
    p.offset = j["offset"];
    p.length = j["length"];
    p.detector = j["detector"];
    p.value = j["value"];
    p.subject = j["subject"];
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace rodo::testing
