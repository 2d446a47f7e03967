// Scan under stress: a multi-GB archive through a pipe in bounded memory; kill -9 mid-scan.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "engine/index.h"
#include "engine/scan.h"
#include "tests/test_util.h"

namespace rodo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::TempDir;

// 64 KiB of prose holding one PESEL and one e-mail address.
std::string Block() {
  std::string b = "Klient: jan.kowalski@example.com, PESEL 44051401458.\n";
  while (b.size() < 65536) b += "zamówienie faktura przelew dostawa 2026-11-25 +48 601 234 567 ";
  b.resize(65535);
  b += "\n";
  return b;
}

TEST(ScanStress, MultiGigabyteArchiveThroughAPipeInBoundedMemory) {
  ::signal(SIGPIPE, SIG_IGN);
  TempDir d;
  std::string fifo = d / "snapshot.tar";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string block = Block();
  const uint64_t huge_blocks = 24 * 1024;  // one 1.5 GiB entry
  const int small_entries = 8192;          // and 8192 entries of 64 KiB: 0.5 GiB
  std::thread writer([&] {
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open_filename(a, fifo.c_str()) != ARCHIVE_OK) {
      archive_write_free(a);
      return;
    }
    auto entry = [&](const std::string& name, uint64_t blocks) {
      archive_entry* e = archive_entry_new();
      archive_entry_set_pathname(e, name.c_str());
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, 0600);
      archive_entry_set_size(e, static_cast<la_int64_t>(blocks * block.size()));
      bool ok = archive_write_header(a, e) == ARCHIVE_OK;
      archive_entry_free(e);
      for (uint64_t i = 0; ok && i < blocks; ++i) ok = archive_write_data(a, block.data(), block.size()) > 0;
      return ok;
    };
    bool ok = entry("huge.txt", huge_blocks);
    for (int i = 0; ok && i < small_entries; ++i) ok = entry("small/" + std::to_string(i) + ".txt", 1);
    archive_write_close(a);
    archive_write_free(a);
  });
  TempDir io;
  auto run = testing::SpawnRodo({"scan", "--json", "--jobs", "2", "--index", d / "i.db", fifo}, io.path().string());
  auto r = testing::Wait(run);
  // If rodo never opened the pipe, unblock the writer.
  int unblock = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  if (unblock >= 0) ::close(unblock);
  writer.join();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::istringstream lines(r.out);
  std::string first;
  std::getline(lines, first);
  json j = json::parse(first);
  const uint64_t blocks = huge_blocks + small_entries;
  EXPECT_EQ(j["status"], "scanned");
  EXPECT_EQ(j["bytes"], blocks * block.size());
  EXPECT_EQ(j["entries"], 1 + small_entries);
  EXPECT_EQ(j["findings"]["pesel"], blocks);
  EXPECT_EQ(j["findings"]["email"], blocks);
  EXPECT_EQ(j["findings"]["iban"], 0);
  // Memory is bounded by the tokens in flight, not by the snapshot or entry size.
#ifndef RODO_SANITIZED
  EXPECT_LT(r.max_rss_kib, 160 * 1024) << "peak RSS " << r.max_rss_kib << " KiB";
#endif
  std::cerr << "[ peak RSS ] " << r.max_rss_kib / 1024 << " MiB for a " << blocks * block.size() / (1 << 20)
            << " MiB archive through a pipe\n";
}

// Occurrences per snapshot path, as the index holds them for the given subjects.
std::multiset<std::string> IndexState(const std::string& db, const std::vector<corpus::Subject>& subjects) {
  auto index = Index::Open(db, db + ".key");
  EXPECT_TRUE(index.ok());
  std::multiset<std::string> out;
  for (const auto& s : subjects) {
    std::string email = s.email;
    for (char& c : email) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::vector<Identifier> ids = {{DetectorKind::kPesel, s.pesel}, {DetectorKind::kEmail, email},
                                   {DetectorKind::kIban, s.iban}};
    (void)(*index)->Locate(ids, [&](const LocatedOccurrence& o) {
      out.insert(o.entry_json + "@" + std::to_string(o.offset));
    });
  }
  return out;
}

TEST(ScanStress, KillDuringScanLeavesTheOldOrTheNewState) {
  TempDir d;
  corpus::Options oa;
  oa.seed = 1;
  oa.bytes = 6 << 20;
  oa.subjects = 8;
  oa.formats = {"tar"};
  corpus::Options ob = oa;
  ob.seed = 2;
  auto a = corpus::Generate(oa, d / "a");
  auto b = corpus::Generate(ob, d / "b");
  std::string snap = d / "snap.tar";
  std::string db = d / "i.db";
  std::vector<corpus::Subject> all = a.subjects;
  all.insert(all.end(), b.subjects.begin(), b.subjects.end());

  fs::copy_file(a.snapshot_files[0], snap);
  ASSERT_EQ(testing::RunRodo({"scan", "--index", db, snap}).exit_code, 0);
  const auto state_a = IndexState(db, all);
  fs::copy_file(b.snapshot_files[0], snap, fs::copy_options::overwrite_existing);
  TempDir ref;
  ASSERT_EQ(testing::RunRodo({"scan", "--index", ref / "i.db", snap}).exit_code, 0);
  const auto state_b = IndexState(ref / "i.db", all);
  ASSERT_NE(state_a, state_b);

  int saw_old = 0, saw_new = 0;
  for (int delay_ms : {0, 3, 6, 10, 15, 20, 30, 45, 60, 90}) {
    // Back to the old state, then a scan of the new content killed after `delay_ms`.
    for (const char* ext : {"", "-wal", "-shm"}) fs::remove(db + ext);
    fs::copy_file(a.snapshot_files[0], snap, fs::copy_options::overwrite_existing);
    ASSERT_EQ(testing::RunRodo({"scan", "--index", db, snap}).exit_code, 0);
    fs::copy_file(b.snapshot_files[0], snap, fs::copy_options::overwrite_existing);
    TempDir io;
    auto run = testing::SpawnRodo({"scan", "--index", db, snap}, io.path().string());
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(run.pid, SIGKILL);
    testing::Wait(run);
    auto state = IndexState(db, all);
    ASSERT_TRUE(state == state_a || state == state_b) << "killed after " << delay_ms << " ms: a mixed state";
    (state == state_a ? saw_old : saw_new)++;
    // A rerun finishes the job.
    ASSERT_EQ(testing::RunRodo({"scan", "--index", db, snap}).exit_code, 0);
    ASSERT_EQ(IndexState(db, all), state_b);
  }
  std::cerr << "[ kills ] old state " << saw_old << " times, new state " << saw_new << " times\n";
  EXPECT_GT(saw_old, 0);
}

}  // namespace
}  // namespace rodo
