// Erasure end to end, checked by an independent re-read of the archives against the corpus
// generator's ground truth: the subject is gone, everything else is byte-identical with the
// same metadata, the format and filters are kept, and the index follows.
#include <archive.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <algorithm>
#include <iterator>
#include <tuple>

#include "tests/test_util.h"

namespace rodo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ArchiveDump;
using testing::Expected;
using testing::EntryDump;
using testing::RunRodo;
using testing::TempDir;

struct Corpus {
  TempDir dir;
  corpus::Result result;
  std::vector<corpus::Planted> truth;
  std::string snapshots() const { return (dir.path() / "snapshots").string(); }
  std::string db() const { return dir / "index.db"; }
};

std::unique_ptr<Corpus> MakeCorpus(uint64_t seed, std::vector<std::string> formats, int subjects = 6) {
  auto c = std::make_unique<Corpus>();
  corpus::Options o;
  o.seed = seed;
  o.bytes = 160 * 1024;
  o.subjects = subjects;
  o.formats = std::move(formats);
  c->result = corpus::Generate(o, c->dir.path().string());
  c->truth = testing::ReadGroundTruth(c->dir.path().string());
  return c;
}

std::vector<std::string> SubjectArgs(const corpus::Subject& s) {
  return {"--pesel", s.pesel, "--email", s.email, "--iban", s.iban};
}

std::set<std::string> LocateAll(const Corpus& c, const corpus::Subject& s) {
  std::vector<std::string> args = {"locate", "--json", "--index", c.db()};
  for (auto& a : SubjectArgs(s)) args.push_back(a);
  auto r = RunRodo(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> lines;
  std::istringstream in(r.out);
  std::string l;
  while (std::getline(in, l)) lines.insert(l);
  return lines;
}

void CheckErased(Corpus& c, int subject, bool drop) {
  ASSERT_EQ(RunRodo({"scan", "--index", c.db(), c.snapshots()}).exit_code, 0);
  std::map<std::string, ArchiveDump> before;
  std::map<std::string, std::string> sha_before;
  for (const auto& f : c.result.snapshot_files) {
    std::string name = fs::path(f).filename().string();
    before[name] = testing::DumpArchive(f);
    ASSERT_EQ(before[name].error, "") << name;
    sha_before[name] = testing::FileSha256(f);
  }
  const corpus::Subject& s = c.result.subjects[static_cast<size_t>(subject)];
  const corpus::Subject& other = c.result.subjects[static_cast<size_t>((subject + 1) % c.result.subjects.size())];
  auto other_before = LocateAll(c, other);

  std::vector<std::string> args = {"erase", "--json", "--index", c.db(), "--request", "R-" + std::to_string(subject),
                                   "--mode", drop ? "drop" : "redact", "--report", c.dir / "cert.json"};
  for (auto& a : SubjectArgs(s)) args.push_back(a);
  auto r = RunRodo(args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json cert = json::parse(r.out);
  EXPECT_EQ(cert, json::parse(testing::ReadFile(c.dir / "cert.json")));
  EXPECT_EQ(cert["status"], "completed");
  EXPECT_EQ(cert["mode"], drop ? "drop" : "redact");
  for (const auto& i : cert["identifiers"]) {
    EXPECT_FALSE(i.contains("hash"));
    EXPECT_EQ(i.dump().find(s.pesel), std::string::npos);
  }
  std::map<std::string, json> lines;
  for (const auto& l : cert["snapshots"]) lines[fs::path(l["snapshot"].get<std::string>()).filename().string()] = l;

  for (const auto& f : c.result.snapshot_files) {
    std::string name = fs::path(f).filename().string();
    size_t planted = 0;
    for (const auto& p : c.truth) planted += p.snapshot == name && p.subject == subject;
    ArchiveDump after = testing::DumpArchive(f);
    ASSERT_EQ(after.error, "") << name;
    // Dropping the only entry of a bare compressed file leaves an empty stream.
    if (!(drop && before[name].format == ARCHIVE_FORMAT_RAW && after.entries.empty())) {
      EXPECT_EQ(after.format, before[name].format) << name;
    }
    EXPECT_EQ(after.filters, before[name].filters) << name;
    auto want = Expected(before[name], c.truth, name, subject, drop);
    ASSERT_EQ(after.entries.size(), want.size()) << name;
    for (size_t i = 0; i < want.size(); ++i) {
      const EntryDump& a = after.entries[i];
      EntryDump b = want[i];
      // A bare compressed file's only metadata is the gzip header's time: the rewrite time.
      if (before[name].format == ARCHIVE_FORMAT_RAW) b.mtime = a.mtime;
      EXPECT_EQ(a.path, b.path) << name << " #" << i;
      EXPECT_EQ(a.data == b.data, true) << name << ": data of " << b.path;
      EXPECT_EQ(std::tie(a.type, a.mode, a.uid, a.gid, a.uname, a.gname, a.mtime, a.symlink, a.hardlink),
                std::tie(b.type, b.mode, b.uid, b.gid, b.uname, b.gname, b.mtime, b.symlink, b.hardlink))
          << name << ": metadata of " << b.path;
      EXPECT_EQ(a.container, b.container) << name << ": " << b.path;
      EXPECT_TRUE(a.inner == b.inner) << name << ": what the container " << b.path << " holds";
    }
    if (planted == 0) {
      EXPECT_EQ(lines.count(name), 0u) << name;
      EXPECT_EQ(testing::FileSha256(f), sha_before[name]) << name << " had nothing of the subject";
      continue;
    }
    ASSERT_EQ(lines.count(name), 1u) << name;
    const json& l = lines[name];
    EXPECT_EQ(l["action"], "rewritten") << name;
    EXPECT_EQ(l["verified"], true);
    EXPECT_EQ(l["sha256_before"], sha_before[name]);
    EXPECT_EQ(l["sha256_after"], testing::FileSha256(f));
    if (!drop) {
      EXPECT_EQ(l["occurrences"], planted) << name;
    }
  }
  EXPECT_TRUE(LocateAll(c, s).empty()) << "locate still finds the erased subject";
  if (!drop) {
    auto other_after = LocateAll(c, other);
    std::vector<std::string> gone, added;
    std::set_difference(other_before.begin(), other_before.end(), other_after.begin(), other_after.end(),
                        std::back_inserter(gone));
    std::set_difference(other_after.begin(), other_after.end(), other_before.begin(), other_before.end(),
                        std::back_inserter(added));
    EXPECT_TRUE(gone.empty() && added.empty()) << "another subject's occurrences moved: " << gone.size()
                                               << " gone, e.g. " << (gone.empty() ? "" : gone[0]) << "; "
                                               << added.size() << " new, e.g. " << (added.empty() ? "" : added[0]);
  }
}

const std::vector<std::string> kAllFormats = {"tar",     "pax",     "ustar", "gnutar", "tar.gz", "tar.bz2", "tar.xz",
                                              "tar.zst", "tar.lz4", "zip",   "7z",     "cpio",   "cpio.gz", "gz"};

TEST(Erase, RedactInEveryFormat) {
  auto c = MakeCorpus(21, kAllFormats);
  CheckErased(*c, 0, false);
}

// Subject 1 of snapshot 0 is the one the generator hides in containers: a zip in a tar.gz,
// a .log.gz, a docx, a UTF-16 export.
TEST(Erase, RedactAtEveryDepthInEveryFormat) {
  auto c = MakeCorpus(25, kAllFormats);
  CheckErased(*c, 1, false);
}

TEST(Erase, DropInEveryFormat) {
  auto c = MakeCorpus(22, kAllFormats);
  CheckErased(*c, 1, true);
}

TEST(Erase, PropertyRandomCorporaAndSubjects) {
  uint64_t r = 2026;
  for (int round = 0; round < 4; ++round) {
    std::vector<std::string> formats;
    for (int i = 0; i < 3; ++i) formats.push_back(kAllFormats[corpus::NextRandom(r) % kAllFormats.size()]);
    std::sort(formats.begin(), formats.end());
    formats.erase(std::unique(formats.begin(), formats.end()), formats.end());
    int subjects = 3 + static_cast<int>(corpus::NextRandom(r) % 6);
    auto c = MakeCorpus(corpus::NextRandom(r), formats, subjects);
    int subject = static_cast<int>(corpus::NextRandom(r) % static_cast<uint64_t>(subjects));
    SCOPED_TRACE("round " + std::to_string(round) + " subject " + std::to_string(subject));
    CheckErased(*c, subject, corpus::NextRandom(r) % 3 == 0);
  }
}

TEST(Erase, RequestsAreIdempotentAndChecked) {
  auto c = MakeCorpus(23, {"tar.zst"});
  ASSERT_EQ(RunRodo({"scan", "--index", c->db(), c->snapshots()}).exit_code, 0);
  const auto& s = c->result.subjects[0];
  std::vector<std::string> args = {"erase", "--json", "--index", c->db(), "--request", "R-9"};
  for (auto& a : SubjectArgs(s)) args.push_back(a);

  // Dry run: nothing written, the plan reported, no request registered.
  std::vector<std::string> dry = args;
  dry.push_back("--dry-run");
  std::string sha = testing::FileSha256(c->result.snapshot_files[0]);
  auto d = RunRodo(dry);
  ASSERT_EQ(d.exit_code, 0) << d.err;
  json plan = json::parse(d.out);
  EXPECT_EQ(plan["snapshots"].size(), 1u);
  EXPECT_EQ(plan["snapshots"][0]["action"], "rewrite");
  EXPECT_GT(plan["snapshots"][0]["occurrences"].get<int>(), 0);
  EXPECT_EQ(testing::FileSha256(c->result.snapshot_files[0]), sha);
  EXPECT_EQ(RunRodo({"requests", "--json", "--index", c->db()}).out, "");

  auto first = RunRodo(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::string sha_after = testing::FileSha256(c->result.snapshot_files[0]);
  EXPECT_NE(sha_after, sha);
  // Again (with or without identifiers): the same certificate, nothing changed.
  auto again = RunRodo(args);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(json::parse(again.out), json::parse(first.out));
  auto resumed = RunRodo({"erase", "--json", "--index", c->db(), "--request", "R-9"});
  EXPECT_EQ(json::parse(resumed.out), json::parse(first.out));
  EXPECT_EQ(testing::FileSha256(c->result.snapshot_files[0]), sha_after);
  // Other identifiers under the same ID, an unknown request without identifiers, a bad value.
  auto other = RunRodo({"erase", "--index", c->db(), "--request", "R-9", "--pesel", c->result.subjects[1].pesel});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("other identifiers"), std::string::npos);
  EXPECT_EQ(RunRodo({"erase", "--index", c->db(), "--request", "R-unknown"}).exit_code, 1);
  EXPECT_EQ(RunRodo({"erase", "--index", c->db(), "--request", "R-x", "--pesel", "44051401459"}).exit_code, 1);
  EXPECT_EQ(RunRodo({"erase", "--index", c->db(), "--request", "R-9", "--mode", "drop"}).exit_code, 1);

  // A second erase while one runs on the same index is refused (the lock is the index's).
  {
    int fd = ::open((c->db() + ".erase.lock").c_str(), O_RDWR | O_CREAT, 0600);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    auto busy = RunRodo({"erase", "--index", c->db(), "--request", "R-9"});
    EXPECT_EQ(busy.exit_code, 1);
    EXPECT_NE(busy.err.find("another erase is running"), std::string::npos) << busy.err;
    ::close(fd);
  }

  auto list = RunRodo({"requests", "--json", "--index", c->db()});
  json req = json::parse(list.out);
  EXPECT_EQ(req["request"], "R-9");
  EXPECT_EQ(req["status"], "completed");
  EXPECT_EQ(req["mode"], "redact");
}

TEST(Erase, SnapshotChangedSinceScanIsStillCovered) {
  // The subject is added to a snapshot after the scan: erase re-indexes it first.
  auto c = MakeCorpus(24, {"tar"});
  auto c2 = MakeCorpus(24, {"tar.gz"});
  ASSERT_EQ(RunRodo({"scan", "--index", c->db(), c->snapshots()}).exit_code, 0);
  fs::copy_file(c2->result.snapshot_files[0], c->dir.path() / "snapshots" / "late.tar.gz");
  ASSERT_EQ(RunRodo({"scan", "--index", c->db(), c->snapshots()}).exit_code, 0);
  // Same subjects (same seed). Replace late.tar.gz by a copy that has changed: touch it.
  fs::last_write_time(c->dir.path() / "snapshots" / "late.tar.gz", fs::file_time_type::clock::now());
  std::vector<std::string> args = {"erase", "--json", "--index", c->db(), "--request", "R-late"};
  for (auto& a : SubjectArgs(c->result.subjects[2])) args.push_back(a);
  auto r = RunRodo(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["snapshots"].size(), 2u);
  EXPECT_TRUE(LocateAll(*c, c->result.subjects[2]).empty());
}

}  // namespace
}  // namespace rodo
