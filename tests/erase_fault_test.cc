// Crash safety of erase, in the manner of LevelDB's fault_injection_test: the process is
// killed (SIGKILL) at every durable step and at many random moments, and a write fails as on
// a full disk. Every snapshot must be wholly old or wholly new, and a rerun must finish.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/test_util.h"

namespace rodo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunRodo;
using testing::TempDir;

class EraseFaults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    src_ = new TempDir();
    corpus::Options o;
    o.seed = 77;
    o.bytes = 96 * 1024;
    o.subjects = 5;
    o.formats = {"tar", "tar.gz", "zip"};
    result_ = new corpus::Result(corpus::Generate(o, src_->path().string()));
    truth_ = new std::vector<corpus::Planted>(testing::ReadGroundTruth(src_->path().string()));
    for (const auto& f : result_->snapshot_files) {
      std::string name = fs::path(f).filename().string();
      auto before = testing::DumpArchive(f);
      (*sha_)[name] = testing::FileSha256(f);
      (*expected_)[name] = testing::Expected(before, *truth_, name, 0, false);
    }
  }
  static void TearDownTestSuite() {
    delete truth_;
    delete result_;
    delete src_;
  }

  // A fresh copy of the snapshots, scanned into a fresh index.
  struct Work {
    TempDir dir;
    std::string snaps() const { return dir / "s"; }
    std::string db() const { return dir / "i.db"; }
  };
  std::unique_ptr<Work> Fresh() {
    auto w = std::make_unique<Work>();
    fs::copy(src_->path() / "snapshots", w->snaps());
    EXPECT_EQ(RunRodo({"scan", "--index", w->db(), w->snaps()}).exit_code, 0);
    return w;
  }
  std::vector<std::string> EraseArgs(const Work& w) {
    const auto& s = result_->subjects[0];
    return {"erase", "--json", "--index", w.db(), "--request", "R-crash",
            "--pesel", s.pesel, "--email", s.email, "--iban", s.iban};
  }
  // Every snapshot is wholly old (same bytes) or wholly new (the erased content).
  void CheckOldOrNew(const Work& w, const std::string& when) {
    for (const auto& [name, sha] : *sha_) {
      std::string path = w.snaps() + "/" + name;
      if (testing::FileSha256(path) == sha) continue;
      auto now = testing::DumpArchive(path);
      ASSERT_EQ(now.error, "") << when << ": " << name << " is neither old nor a readable new archive";
      ASSERT_TRUE(now.entries == (*expected_)[name]) << when << ": " << name << " is neither old nor new";
    }
  }
  void CheckFinished(const Work& w, const std::string& when) {
    auto r = RunRodo(EraseArgs(w));
    ASSERT_EQ(r.exit_code, 0) << when << ": " << r.out << r.err;
    EXPECT_EQ(json::parse(r.out)["status"], "completed") << when;
    for (const auto& [name, sha] : *sha_) {
      auto now = testing::DumpArchive(w.snaps() + "/" + name);
      ASSERT_TRUE(now.entries == (*expected_)[name]) << when << ": " << name << " not erased after the rerun";
    }
    for (const auto& e : fs::directory_iterator(w.snaps()))
      EXPECT_EQ(e.path().string().find("rodo-tmp"), std::string::npos) << when << ": leftover " << e.path();
    auto loc = RunRodo({"locate", "--json", "--index", w.db(), "--pesel", result_->subjects[0].pesel});
    EXPECT_EQ(loc.out, "") << when;
  }

  static TempDir* src_;
  static corpus::Result* result_;
  static std::vector<corpus::Planted>* truth_;
  static std::map<std::string, std::string>* sha_;
  static std::map<std::string, std::vector<testing::EntryDump>>* expected_;
};
TempDir* EraseFaults::src_;
corpus::Result* EraseFaults::result_;
std::vector<corpus::Planted>* EraseFaults::truth_;
std::map<std::string, std::string>* EraseFaults::sha_ = new std::map<std::string, std::string>();
std::map<std::string, std::vector<testing::EntryDump>>* EraseFaults::expected_ =
    new std::map<std::string, std::vector<testing::EntryDump>>();

TEST_F(EraseFaults, KilledAtEveryDurableStep) {
  for (const char* point : {"after-write", "after-fsync", "before-rename", "after-rename", "after-dir-sync",
                            "after-index"}) {
    auto w = Fresh();
    ::setenv("RODO_FAULT", point, 1);
    auto r = RunRodo(EraseArgs(*w));
    ::unsetenv("RODO_FAULT");
    EXPECT_EQ(r.exit_code, 128 + SIGKILL) << point << ": the fault point was not reached";
    CheckOldOrNew(*w, point);
    CheckFinished(*w, point);
  }
}

TEST_F(EraseFaults, KilledAtRandomMoments) {
  // How long a whole erase takes here, then kills spread over that time.
  auto ref = Fresh();
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(RunRodo(EraseArgs(*ref)).exit_code, 0);
  double total_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  const int kKills = 48;
  int interrupted = 0;
  for (int i = 0; i < kKills; ++i) {
    auto w = Fresh();
    TempDir io;
    auto run = testing::SpawnRodo(EraseArgs(*w), io.path().string());
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(total_ms * 1000 * i / kKills)));
    ::kill(run.pid, SIGKILL);
    auto r = testing::Wait(run);
    interrupted += r.exit_code == 128 + SIGKILL;
    std::string when = "kill #" + std::to_string(i);
    CheckOldOrNew(*w, when);
    CheckFinished(*w, when);
  }
  std::cerr << "[ kills ] " << interrupted << " of " << kKills << " erase runs were interrupted (whole run "
            << total_ms << " ms)\n";
  EXPECT_GT(interrupted, kKills / 2);
}

TEST_F(EraseFaults, FullDiskLeavesTheSnapshotIntact) {
  auto w = Fresh();
  uint64_t db_size = 0;
  for (const char* ext : {"", "-wal"})
    if (fs::exists(w->db() + ext)) db_size = std::max<uint64_t>(db_size, fs::file_size(w->db() + ext));
  uint64_t tar_size = fs::file_size(w->snaps() + "/snap-000.tar");
  ASSERT_GT(tar_size, db_size + 64 * 1024) << "the test needs the snapshot larger than the index";
  // Files may not grow past a limit between the index's size and the tar's: the tar's
  // rewrite fails as on a full disk, the compressed snapshots fit.
  long limit = static_cast<long>(std::max<uint64_t>(db_size * 2, tar_size / 2));
  TempDir io;
  auto r = testing::Wait(testing::SpawnRodo(EraseArgs(*w), io.path().string(), limit));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  json cert = json::parse(r.out);
  EXPECT_EQ(cert["status"], "partial");
  bool saw_failed = false;
  for (const auto& l : cert["snapshots"]) {
    if (fs::path(l["snapshot"].get<std::string>()).filename() == "snap-000.tar") {
      EXPECT_EQ(l["action"], "failed");
      EXPECT_TRUE(l.contains("error"));
      saw_failed = true;
    }
  }
  EXPECT_TRUE(saw_failed);
  EXPECT_EQ(testing::FileSha256(w->snaps() + "/snap-000.tar"), (*sha_)["snap-000.tar"]) << "the original must stay";
  for (const auto& e : fs::directory_iterator(w->snaps()))
    EXPECT_EQ(e.path().string().find("rodo-tmp"), std::string::npos) << "leftover " << e.path();
  // With room again, the same request finishes.
  CheckFinished(*w, "after the disk was freed");
}

}  // namespace
}  // namespace rodo
