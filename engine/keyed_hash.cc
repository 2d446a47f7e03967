#include "engine/keyed_hash.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace rodo {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

std::string ToHex(const uint8_t* p, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  s.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kHex[p[i] >> 4]);
    s.push_back(kHex[p[i] & 15]);
  }
  return s;
}

std::optional<IdentifierHash> HashFromHex(const std::string& s) {
  IdentifierHash h{};
  if (s.size() != h.size() * 2) return std::nullopt;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < h.size(); ++i) {
    int a = nib(s[2 * i]), b = nib(s[2 * i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    h[i] = static_cast<uint8_t>(a << 4 | b);
  }
  return h;
}

namespace {

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

StatusOr<KeyedHasher> KeyedHasher::LoadOrCreate(const std::string& path) {
  std::array<uint8_t, 32> key{};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
      return Status::Failed("cannot draw random bytes for a new key");
    std::string tmp = path + ".tmp";
    int w = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (w < 0) return Status::IoError(Errno("cannot create key file " + tmp));
    FdCloser c{w};
    if (::write(w, key.data(), key.size()) != static_cast<ssize_t>(key.size()) || ::fsync(w) != 0)
      return Status::IoError(Errno("cannot write key file " + tmp));
    // link() fails if another process created the key meanwhile: then use theirs.
    if (::link(tmp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
      ::unlink(tmp.c_str());
      return Status::IoError(Errno("cannot create key file " + path));
    }
    ::unlink(tmp.c_str());
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) return Status::IoError(Errno("cannot open key file " + path));
  FdCloser c{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::IoError(Errno("cannot stat key file " + path));
  if (st.st_mode & 077)
    return Status::InvalidArgument("key file " + path + " is readable by others (chmod 600 it)");
  if (st.st_size != 32)
    return Status::InvalidArgument("key file " + path + " must hold exactly 32 bytes");
  if (::read(fd, key.data(), key.size()) != 32)
    return Status::IoError(Errno("cannot read key file " + path));
  return KeyedHasher(key);
}

// HMAC-SHA-256 (RFC 2104) with the key blocks absorbed once: each hash then costs two
// context copies and two short SHA-256 finishes instead of a full HMAC set-up.
struct KeyedHasher::State {
  EVP_MD_CTX* inner = EVP_MD_CTX_new();
  EVP_MD_CTX* outer = EVP_MD_CTX_new();
  EVP_MD_CTX* work = EVP_MD_CTX_new();
  ~State() {
    EVP_MD_CTX_free(inner);
    EVP_MD_CTX_free(outer);
    EVP_MD_CTX_free(work);
  }
};

KeyedHasher::KeyedHasher(const std::array<uint8_t, 32>& key) : state_(std::make_shared<State>()) {
  unsigned char ipad[64], opad[64];
  for (size_t i = 0; i < 64; ++i) {
    unsigned char k = i < key.size() ? key[i] : 0;
    ipad[i] = k ^ 0x36;
    opad[i] = k ^ 0x5c;
  }
  EVP_DigestInit_ex(state_->inner, EVP_sha256(), nullptr);
  EVP_DigestUpdate(state_->inner, ipad, sizeof ipad);
  EVP_DigestInit_ex(state_->outer, EVP_sha256(), nullptr);
  EVP_DigestUpdate(state_->outer, opad, sizeof opad);
}

IdentifierHash KeyedHasher::Hash(DetectorKind kind, std::string_view normalised) const {
  unsigned char tag = static_cast<unsigned char>(kind);
  unsigned char inner[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD_CTX_copy_ex(state_->work, state_->inner);
  EVP_DigestUpdate(state_->work, &tag, 1);
  EVP_DigestUpdate(state_->work, normalised.data(), normalised.size());
  EVP_DigestFinal_ex(state_->work, inner, &n);
  EVP_MD_CTX_copy_ex(state_->work, state_->outer);
  EVP_DigestUpdate(state_->work, inner, n);
  EVP_DigestFinal_ex(state_->work, mac, &n);
  IdentifierHash h{};
  std::memcpy(h.data(), mac, h.size());
  return h;
}

namespace {

StatusOr<std::string> Sha256Ranges(const std::string& path, uint64_t size, bool whole) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(Errno("cannot open " + path));
  FdCloser c{fd};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  auto hash_range = [&](uint64_t off, uint64_t len) -> Status {
    while (len > 0) {
      ssize_t r = ::pread(fd, buf.data(), std::min<uint64_t>(len, buf.size()), static_cast<off_t>(off));
      if (r < 0) return Status::IoError(Errno("cannot read " + path));
      if (r == 0) break;
      EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(r));
      off += static_cast<uint64_t>(r);
      len -= static_cast<uint64_t>(r);
    }
    return Status::Ok();
  };
  if (whole) {
    RODO_RETURN_IF_ERROR(hash_range(0, UINT64_MAX));
  } else {
    constexpr uint64_t kEdge = 64 * 1024;
    EVP_DigestUpdate(ctx.get(), &size, sizeof size);
    RODO_RETURN_IF_ERROR(hash_range(0, std::min(size, kEdge)));
    if (size > kEdge) RODO_RETURN_IF_ERROR(hash_range(size - std::min(size - kEdge, kEdge), kEdge));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &md_len);
  return ToHex(md, md_len);
}

}  // namespace

StatusOr<std::string> Sha256File(const std::string& path) { return Sha256Ranges(path, 0, true); }
StatusOr<std::string> FingerprintFile(const std::string& path, uint64_t size) {
  return Sha256Ranges(path, size, false);
}

}  // namespace rodo
