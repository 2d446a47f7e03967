#include "engine/entry_walker.h"

#include <algorithm>
#include <cstring>

namespace rodo {

std::string DisplayPath(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) {
    if (!s.empty()) s += " > ";
    for (unsigned char c : n) {
      if (c < 0x20 || c == 0x7f) {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\x%02x", c);
        s += esc;
      } else {
        s.push_back(static_cast<char>(c));
      }
    }
  }
  return s;
}

namespace {

// Reasons a name deserves the operator's attention (it is indexed all the same).
std::string HostileName(const std::string& name) {
  std::vector<std::string> why;
  if (!name.empty() && name[0] == '/') why.push_back("absolute path");
  if (name == ".." || name.rfind("../", 0) == 0 || name.find("/../") != std::string::npos ||
      (name.size() >= 3 && name.compare(name.size() - 3, 3, "/..") == 0))
    why.push_back("'..' component");
  if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    why.push_back("control characters");
  // UTF-8 validity.
  for (size_t i = 0; i < name.size();) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= name.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(name[i + k]) >> 6) == 2;
    if (!ok) {
      why.push_back("invalid UTF-8");
      break;
    }
    i += len;
  }
  std::string s;
  for (const auto& w : why) s += (s.empty() ? "" : ", ") + w;
  return s;
}

}  // namespace

// One open container: its reader, the sniffed bytes of its current entry not yet handed
// out, and what it decoded (bomb checks).
struct EntryWalker::Frame : public ByteSource {
  std::unique_ptr<ArchiveReader> reader;
  std::string prefix;
  uint64_t decoded = 0;
  bool cut = false;

  // As the source of a child frame: the bytes of this frame's current entry.
  StatusOr<size_t> Read(char* buf, size_t n) override {
    if (!prefix.empty()) {
      size_t k = std::min(n, prefix.size());
      std::memcpy(buf, prefix.data(), k);
      prefix.erase(0, k);
      return k;
    }
    return reader->Read(buf, n);
  }
};

EntryWalker::EntryWalker(std::unique_ptr<ArchiveReader> top, const WalkLimits& limits) : limits_(limits) {
  auto f = std::make_unique<Frame>();
  f->reader = std::move(top);
  frames_.push_back(std::move(f));
}

EntryWalker::~EntryWalker() {
  // Children read through their parents: close them first.
  while (!frames_.empty()) frames_.pop_back();
}

void EntryWalker::Warn(const std::string& reason) { warnings_.push_back(DisplayPath(names_) + ": " + reason); }

std::vector<std::string> EntryWalker::TakeWarnings() { return std::exchange(warnings_, {}); }

int64_t EntryWalker::consumed() const { return frames_.empty() ? 0 : frames_.front()->reader->consumed(); }

void EntryWalker::Pop() {
  frames_.pop_back();
  // The container entry that held the popped frame is done; its name leaves the path.
  if (names_.size() > frames_.size()) names_.resize(frames_.size());
}

Status EntryWalker::Next(bool* has) {
  *has = false;
  has_data_ = false;
  encoding_ = TextEncoding::kBytes;
  while (!frames_.empty()) {
    Frame& f = *frames_.back();
    const bool nested = frames_.size() > 1;
    if (f.cut) {
      Pop();
      continue;
    }
    f.prefix.clear();
    EntryInfo info;
    bool more = false;
    Status s = f.reader->Next(&info, &more);
    if (!s.ok()) {
      if (!nested) return s;
      names_.resize(frames_.size() - 1);
      Warn("corrupt or truncated inner archive: " + s.message());
      Pop();
      continue;
    }
    if (!more) {
      if (!nested) return Status::Ok();
      Pop();
      continue;
    }
    names_.resize(frames_.size() - 1);
    names_.push_back(info.path);
    if (std::string why = HostileName(info.path); !why.empty()) Warn("suspicious name (" + why + ")");
    *has = true;
    if (!info.is_regular) return Status::Ok();

    // Sniff the first bytes: a container is opened, other bytes are data.
    std::string prefix(kSniffBytes, '\0');
    size_t got = 0;
    while (got < prefix.size()) {
      auto r = f.reader->Read(prefix.data() + got, prefix.size() - got);
      if (!r.ok()) {
        if (!nested) return r.status();
        Warn("corrupt or truncated: " + r.status().message());
        f.cut = true;
        *has = true;
        return Status::Ok();
      }
      if (*r == 0) break;
      got += *r;
    }
    prefix.resize(got);
    f.decoded += got;
    const ContentKind kind = SniffContent(prefix.data(), prefix.size());
    const bool container =
        kind == ContentKind::kArchive || kind == ContentKind::kCompressed || kind == ContentKind::kSevenZip;
    if (container && static_cast<int>(frames_.size()) > limits_.max_depth) {
      Warn("nested deeper than " + std::to_string(limits_.max_depth) + " levels: not opened");
    } else if (container) {
      f.prefix = std::move(prefix);
      StatusOr<std::unique_ptr<ArchiveReader>> child = Status::Ok();
      if (kind == ContentKind::kSevenZip) {
        std::string all = std::move(f.prefix);
        f.prefix.clear();
        char buf[65536];
        bool too_big = false;
        while (true) {
          auto r = f.Read(buf, sizeof buf);
          if (!r.ok()) {
            child = r.status();
            break;
          }
          if (*r == 0) break;
          if (all.size() + *r > limits_.max_memory_archive) {
            too_big = true;
            break;
          }
          all.append(buf, *r);
        }
        if (too_big) {
          Warn("7z archive over " + std::to_string(limits_.max_memory_archive >> 20) +
               " MiB inside another container: not opened (7z needs random access)");
          return Status::Ok();
        }
        if (child.status().ok()) child = ArchiveReader::OpenMemory(std::move(all), info.path);
      } else {
        child = ArchiveReader::OpenNested(&f, "", info.path);
      }
      if (!child.ok()) {
        Warn("looks like an archive or compressed file but cannot be opened (" + child.status().message() +
             "): not scanned");
        return Status::Ok();
      }
      auto c = std::make_unique<Frame>();
      c->reader = std::move(child.value());
      frames_.push_back(std::move(c));
      return Status::Ok();  // the container entry itself; its entries follow
    }
    if (kind == ContentKind::kUtf16Le) encoding_ = TextEncoding::kUtf16Le;
    if (kind == ContentKind::kUtf16Be) encoding_ = TextEncoding::kUtf16Be;
    f.prefix = std::move(prefix);
    has_data_ = true;
    return Status::Ok();
  }
  return Status::Ok();
}

StatusOr<size_t> EntryWalker::Read(char* buf, size_t n) {
  if (frames_.empty() || !has_data_) return size_t{0};
  Frame& f = *frames_.back();
  if (f.cut) return size_t{0};
  bool from_prefix = !f.prefix.empty();
  auto r = f.Read(buf, n);
  if (!r.ok()) {
    if (frames_.size() == 1) return r.status();
    Warn("corrupt or truncated: " + r.status().message());
    f.cut = true;
    return size_t{0};
  }
  if (!from_prefix) f.decoded += *r;
  if (frames_.size() > 1 && *r > 0) {
    // Bomb checks: against the bytes this container took from its enclosing entry.
    const uint64_t pulled = std::max<uint64_t>(f.reader->pulled(), 1);
    const bool over_ratio = f.decoded > (16u << 20) && static_cast<double>(f.decoded) > limits_.max_ratio * pulled;
    if (over_ratio || f.decoded > limits_.max_inner_bytes) {
      Warn(std::string("decompression bomb: ") + std::to_string(f.decoded) + " bytes decoded from " +
           std::to_string(pulled) + (over_ratio ? " (ratio over " + std::to_string(static_cast<long>(limits_.max_ratio)) + ")"
                                               : " (over the cap of " + std::to_string(limits_.max_inner_bytes) + " bytes)") +
           ": cut there");
      f.cut = true;
    }
  }
  return r;
}

}  // namespace rodo
