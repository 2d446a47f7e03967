// End-to-end scan and locate against the corpus generator's ground truth, in every
// format/filter pair libarchive writes here.
#include "engine/scan.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "scanners/detector.h"
#include "tests/test_util.h"

namespace rodo {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// (snapshot file name, entry path JSON, field, offset, length, detector)
using Occ = std::tuple<std::string, std::string, std::string, uint64_t, uint32_t, std::string>;

// The entry path as the index shows it: identifiers planted in names are masked in place
// (all but their first and last two bytes).
std::string ShownEntry(const std::vector<corpus::Planted>& truth, const corpus::Planted& p) {
  std::vector<std::string> names = p.entry;
  for (const auto& q : truth) {
    if (q.field != "name" || q.snapshot != p.snapshot || q.entry != p.entry) continue;
    for (uint64_t i = q.offset + 2; i + 2 < q.offset + q.length; ++i) names.back()[i] = '*';
  }
  return EntryPathJson(names);
}

std::set<Occ> Truth(const std::vector<corpus::Planted>& truth, int subject) {
  std::set<Occ> s;
  for (const auto& p : truth)
    if (p.subject == subject) s.emplace(p.snapshot, ShownEntry(truth, p), p.field, p.offset, p.length, p.detector);
  return s;
}

std::set<Occ> Located(Index& index, const std::vector<Identifier>& ids) {
  std::set<Occ> s;
  Status st = index.Locate(ids, [&](const LocatedOccurrence& o) {
    s.emplace(fs::path(o.snapshot).filename().string(), o.entry_json, o.field == Field::kName ? "name" : "content",
              o.offset, o.length, std::string(DetectorName(o.detector)));
  });
  EXPECT_TRUE(st.ok()) << st.message();
  return s;
}

std::vector<Identifier> IdsOf(const corpus::Subject& s) {
  std::string email = s.email;
  for (char& c : email) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return {{DetectorKind::kPesel, s.pesel}, {DetectorKind::kEmail, email}, {DetectorKind::kIban, s.iban}};
}

struct Scanned {
  std::vector<SnapshotResult> results;
  Status status;
};

Scanned Scan(Index& index, const std::vector<std::string>& paths, bool full = false) {
  Scanned out;
  ScanOptions opt;
  opt.jobs = 2;
  opt.full = full;
  opt.chunk_size = 64 * 1024;  // small chunks: many boundaries
  ScanCallbacks cb;
  cb.on_result = [&](const SnapshotResult& r) { out.results.push_back(r); };
  out.status = ScanSnapshots(FindSnapshots(paths, {}, nullptr), index, opt, cb);
  return out;
}

class ScanEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    corpus::Options o;
    o.seed = 11;
    o.bytes = 300 * 1024;
    o.subjects = 12;
    o.formats = {"tar", "pax", "ustar", "gnutar", "tar.gz", "tar.bz2", "tar.xz", "tar.zst", "tar.lz4",
                 "zip", "7z", "cpio", "cpio.gz", "gz"};
    result_ = new corpus::Result(corpus::Generate(o, dir_->path().string()));
    truth_ = new std::vector<corpus::Planted>(testing::ReadGroundTruth(dir_->path().string()));
  }
  static void TearDownTestSuite() {
    delete truth_;
    delete result_;
    delete dir_;
  }
  static TempDir* dir_;
  static corpus::Result* result_;
  static std::vector<corpus::Planted>* truth_;
};
TempDir* ScanEndToEnd::dir_;
corpus::Result* ScanEndToEnd::result_;
std::vector<corpus::Planted>* ScanEndToEnd::truth_;

TEST_F(ScanEndToEnd, EveryPlantedOccurrenceAtItsExactOffsetAndNothingElse) {
  TempDir idx;
  auto index = Index::Open(idx / "i.db", idx / "i.key");
  ASSERT_TRUE(index.ok()) << index.status().message();
  Scanned s = Scan(**index, {(dir_->path() / "snapshots").string()});
  ASSERT_TRUE(s.status.ok()) << s.status.message();
  ASSERT_EQ(s.results.size(), result_->snapshot_files.size());

  // Per snapshot: the findings counts equal the planted counts.
  std::map<std::string, std::map<std::string, uint64_t>> planted;
  for (const auto& p : *truth_) ++planted[p.snapshot][p.detector];
  for (const SnapshotResult& r : s.results) {
    std::string name = fs::path(r.path).filename().string();
    ASSERT_EQ(r.outcome, SnapshotResult::Outcome::kScanned) << name << ": " << r.error;
    for (int k = 0; k < kDetectorCount; ++k) {
      std::string det(DetectorName(static_cast<DetectorKind>(k)));
      EXPECT_EQ(r.findings[k], planted[name][det]) << name << " " << det;
    }
  }
  // Per subject: locate gives exactly the planted occurrences, in every format.
  for (const corpus::Subject& subj : result_->subjects) {
    std::set<Occ> want = Truth(*truth_, subj.id);
    std::set<Occ> got = Located(**index, IdsOf(subj));
    ASSERT_FALSE(want.empty());
    EXPECT_EQ(got, want) << "subject " << subj.id;
  }
}

TEST_F(ScanEndToEnd, RescanSkipsUnchangedAndReindexesChanged) {
  TempDir work;
  fs::copy(dir_->path() / "snapshots", work.path() / "s");
  auto index = Index::Open(work / "i.db", work / "i.key");
  ASSERT_TRUE(index.ok());
  Scanned first = Scan(**index, {work / "s"});
  ASSERT_TRUE(first.status.ok());
  Scanned again = Scan(**index, {work / "s"});
  for (const auto& r : again.results) EXPECT_EQ(r.outcome, SnapshotResult::Outcome::kUnchanged) << r.path;

  // Replace one snapshot by another corpus' tar: its old occurrences go, the new ones come.
  TempDir other;
  corpus::Options o;
  o.seed = 12345;
  o.bytes = 100 * 1024;
  o.subjects = 5;
  o.formats = {"tar"};
  corpus::Result r2 = corpus::Generate(o, other.path().string());
  fs::copy_file(r2.snapshot_files[0], work.path() / "s" / "snap-000.tar", fs::copy_options::overwrite_existing);
  Scanned third = Scan(**index, {work / "s"});
  size_t scanned = 0;
  for (const auto& r : third.results) {
    if (r.outcome == SnapshotResult::Outcome::kScanned) {
      ++scanned;
      EXPECT_EQ(fs::path(r.path).filename(), "snap-000.tar");
    }
  }
  EXPECT_EQ(scanned, 1u);
  auto truth2 = testing::ReadGroundTruth(other.path().string());
  for (const auto& subj : r2.subjects) EXPECT_EQ(Located(**index, IdsOf(subj)), Truth(truth2, subj.id));
  for (const auto& subj : result_->subjects) {
    for (const auto& o2 : Located(**index, IdsOf(subj))) EXPECT_NE(std::get<0>(o2), "snap-000.tar");
  }
  // --full re-scans everything.
  Scanned full = Scan(**index, {work / "s"}, true);
  for (const auto& r : full.results) EXPECT_EQ(r.outcome, SnapshotResult::Outcome::kScanned);
}

TEST_F(ScanEndToEnd, BadFilesAreReportedAndTheRestIsIndexed) {
  TempDir work;
  fs::copy(dir_->path() / "snapshots" / "snap-000.tar.gz", work.path() / "good.tar.gz");
  std::string gz = testing::ReadFile(work / "good.tar.gz");
  std::ofstream(work / "truncated.tar.gz", std::ios::binary) << gz.substr(0, gz.size() / 2);
  std::string tar = testing::ReadFile((dir_->path() / "snapshots" / "snap-000.tar").string());
  std::string corrupt = tar;
  for (size_t i = 0; i < 512; ++i) corrupt[i] = static_cast<char>(0xA5);  // first header smashed
  std::ofstream(work / "corrupt.tar", std::ios::binary) << corrupt;
  std::ofstream(work / "truncated.tar", std::ios::binary) << tar.substr(0, tar.size() / 3 + 100);
  std::ofstream(work / "notes.txt") << "just text, PESEL 44051401458\n";
  std::ofstream(work / "empty.bin");

  auto index = Index::Open(work / "i.db", work / "i.key");
  ASSERT_TRUE(index.ok());
  Scanned s = Scan(**index, {work.path().string()});
  ASSERT_TRUE(s.status.ok());
  std::map<std::string, SnapshotResult> by;
  for (const auto& r : s.results) by[fs::path(r.path).filename().string()] = r;
  EXPECT_EQ(by["good.tar.gz"].outcome, SnapshotResult::Outcome::kScanned);
  for (const char* bad : {"truncated.tar.gz", "corrupt.tar", "truncated.tar", "notes.txt"}) {
    EXPECT_EQ(by[bad].outcome, SnapshotResult::Outcome::kError) << bad;
    EXPECT_FALSE(by[bad].error.empty()) << bad;
  }
  EXPECT_NE(by["notes.txt"].error.find("not an archive"), std::string::npos) << by["notes.txt"].error;
  EXPECT_NE(by["truncated.tar.gz"].error.find("runcated"), std::string::npos) << by["truncated.tar.gz"].error;
  // The good snapshot's occurrences are all there.
  std::set<Occ> got, want;
  for (const auto& subj : result_->subjects) {
    for (auto o : Located(**index, IdsOf(subj))) got.insert(o);
    for (auto o : Truth(*truth_, subj.id))
      if (std::get<0>(o) == "snap-000.tar.gz") want.emplace("good.tar.gz", std::get<1>(o), std::get<2>(o),
                                                             std::get<3>(o), std::get<4>(o), std::get<5>(o));
  }
  EXPECT_EQ(got, want);
}

TEST_F(ScanEndToEnd, NoPlainIdentifierReachesTheDisk) {
  TempDir work;
  {
    auto index = Index::Open(work / "i.db", work / "i.key");
    ASSERT_TRUE(index.ok());
    Scanned s = Scan(**index, {(dir_->path() / "snapshots" / "snap-000.tar").string()});
    ASSERT_TRUE(s.status.ok());
    ASSERT_GT(s.results.at(0).findings[0], 0u);
    // Look at the WAL too, while it still holds the pages.
    std::string db = testing::ReadFile(work / "i.db") + testing::ReadFile(work / "i.db-wal");
    ASSERT_GT(db.size(), 4096u);
    for (const auto& subj : result_->subjects) {
      EXPECT_EQ(db.find(subj.pesel), std::string::npos) << subj.pesel;
      EXPECT_EQ(db.find(subj.iban), std::string::npos) << subj.iban;
      EXPECT_EQ(db.find(subj.iban.substr(2)), std::string::npos) << subj.iban;
      std::string local = subj.email.substr(0, subj.email.find('@'));
      EXPECT_EQ(db.find(local), std::string::npos) << subj.email;
    }
  }
  EXPECT_EQ(fs::status(work / "i.key").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

}  // namespace
}  // namespace rodo
