// Hostile input inside snapshots: each case gets its exact warning on the snapshot's line,
// and every other entry is still indexed.
#include <archive.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/test_util.h"

namespace rodo {
namespace {

using nlohmann::json;
using testing::RunRodo;
using testing::TempDir;
using Entries = std::vector<std::pair<std::string, std::string>>;

const std::string kGood = "Klient: jan.kowalski@example.com, PESEL 44051401458\n";

std::string Tar(const Entries& e) { return corpus::PackArchive(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE, e); }
std::string TarGz(const Entries& e) { return corpus::PackArchive(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP, e); }
std::string Zip(const Entries& e) { return corpus::PackArchive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, e); }
std::string Gz(const std::string& data) {
  return corpus::PackArchive(ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, {{"data", data}});
}

struct Scanned {
  json line;
  std::vector<json> located;
  std::string table;  // `rodo locate` without --json
  int exit_code;
};

// Scans `snapshot` (bytes) with extra flags; returns its line and where the good PESEL is.
Scanned ScanBytes(const std::string& snapshot, std::vector<std::string> flags = {}) {
  TempDir d;
  std::ofstream(d / "snap.tar", std::ios::binary) << snapshot;
  std::vector<std::string> args = {"scan", "--json", "--index", d / "i.db"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.push_back(d / "snap.tar");
  auto r = RunRodo(args);
  Scanned s;
  s.exit_code = r.exit_code;
  std::istringstream in(r.out);
  std::string l;
  std::getline(in, l);
  s.line = json::parse(l);
  s.table = RunRodo({"locate", "--index", d / "i.db", "--pesel", "44051401458"}).out;
  auto loc = RunRodo({"locate", "--json", "--index", d / "i.db", "--pesel", "44051401458"});
  std::istringstream lin(loc.out);
  while (std::getline(lin, l)) s.located.push_back(json::parse(l));
  return s;
}

std::vector<std::string> Warnings(const json& line) {
  return line.contains("warnings") ? line["warnings"].get<std::vector<std::string>>() : std::vector<std::string>{};
}

bool Located(const Scanned& s, const std::vector<std::string>& entry) {
  for (const auto& o : s.located)
    if (o["entry"].get<std::vector<std::string>>() == entry) return true;
  return false;
}

TEST(Hostile, DecompressionBombIsCutAndTheRestIndexed) {
  // 64 MiB of one byte in ~64 KiB (zeros would read as an empty tar).
  std::string bomb = Gz(std::string(64 << 20, 'a'));
  auto s = ScanBytes(Tar({{"bomb.bin.gz", bomb}, {"ok.txt", kGood}}), {"--max-ratio", "100"});
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_EQ(s.line["status"], "scanned");
  auto w = Warnings(s.line);
  ASSERT_EQ(w.size(), 1u) << s.line.dump();
  EXPECT_EQ(w[0].rfind("bomb.bin.gz > bomb.bin: decompression bomb: ", 0), 0u) << w[0];
  EXPECT_NE(w[0].find("(ratio over 100): cut there"), std::string::npos) << w[0];
  EXPECT_LT(s.line["bytes"].get<uint64_t>(), 64u << 20);
  EXPECT_TRUE(Located(s, {"ok.txt"}));
}

TEST(Hostile, InnerSizeCap) {
  std::string big = Gz(std::string(20 << 20, 'x'));
  auto s = ScanBytes(Tar({{"big.gz", big}, {"ok.txt", kGood}}), {"--max-inner-size", "1000000"});
  auto w = Warnings(s.line);
  ASSERT_EQ(w.size(), 1u) << s.line.dump();
  EXPECT_NE(w[0].find("(over the cap of 1000000 bytes): cut there"), std::string::npos) << w[0];
  EXPECT_TRUE(Located(s, {"ok.txt"}));
}

TEST(Hostile, NestingPastTheBoundIsReported) {
  // Ten zips inside each other (what a self-containing zip quine amounts to), an identifier
  // at depth 4 and at the bottom.
  std::string inner = Zip({{"deep.txt", kGood}});
  for (int level = 9; level >= 1; --level) {
    Entries e = {{"level" + std::to_string(level + 1) + ".zip", inner}};
    if (level == 4) e.push_back({"mid.txt", kGood});
    inner = Zip(e);
  }
  auto s = ScanBytes(Tar({{"level1.zip", inner}, {"ok.txt", kGood}}));
  EXPECT_EQ(s.line["status"], "scanned");
  auto w = Warnings(s.line);
  ASSERT_EQ(w.size(), 1u) << s.line.dump();
  EXPECT_EQ(w[0], "level1.zip > level2.zip > level3.zip > level4.zip > level5.zip > level6.zip > level7.zip > "
                  "level8.zip > level9.zip: nested deeper than 8 levels: not opened");
  EXPECT_TRUE(Located(s, {"level1.zip", "level2.zip", "level3.zip", "level4.zip", "mid.txt"}));
  EXPECT_TRUE(Located(s, {"ok.txt"}));
  // A higher bound reaches the bottom.
  auto deeper = ScanBytes(Tar({{"level1.zip", inner}}), {"--max-depth", "12"});
  EXPECT_TRUE(Warnings(deeper.line).empty());
  std::vector<std::string> bottom;
  for (int i = 1; i <= 10; ++i) bottom.push_back("level" + std::to_string(i) + ".zip");
  bottom.push_back("deep.txt");
  EXPECT_TRUE(Located(deeper, bottom));
}

TEST(Hostile, TruncatedAndCorruptInnerMembers) {
  std::string targz = TarGz({{"a.txt", kGood}, {"b.txt", std::string(300000, 'y')}});
  std::string truncated = targz.substr(0, targz.size() / 2);
  std::string garbage_zip = "PK\x03\x04" + std::string(2000, '\x07');
  auto s = ScanBytes(Tar({{"cut.tar.gz", truncated}, {"bad.zip", garbage_zip}, {"ok.txt", kGood}}));
  EXPECT_EQ(s.line["status"], "scanned");
  auto w = Warnings(s.line);
  ASSERT_EQ(w.size(), 2u) << s.line.dump();
  EXPECT_EQ(w[0].rfind("cut.tar.gz > b.txt: corrupt or truncated", 0), 0u) << w[0];
  EXPECT_EQ(w[1].rfind("bad.zip: ", 0), 0u) << w[1];
  EXPECT_TRUE(Located(s, {"cut.tar.gz", "a.txt"}));  // what came before the cut
  EXPECT_TRUE(Located(s, {"ok.txt"}));
}

TEST(Hostile, AbsurdSizeInAnInnerHeader) {
  std::string tar = Tar({{"x.txt", kGood}});
  // Claim 8 GiB in the size field (octal, 11 digits) of the inner tar's first header.
  std::string size = "77777777777";
  tar.replace(124, size.size(), size);
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(tar[i]);
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  tar.replace(148, 6, chk, 6);
  tar[154] = '\0';
  auto s = ScanBytes(Tar({{"inner.tar", tar}, {"ok.txt", kGood}}));
  EXPECT_EQ(s.line["status"], "scanned") << s.line.dump();
  auto w = Warnings(s.line);
  ASSERT_EQ(w.size(), 1u) << s.line.dump();
  EXPECT_EQ(w[0].rfind("inner.tar > x.txt: corrupt or truncated", 0), 0u) << w[0];
  EXPECT_TRUE(Located(s, {"ok.txt"}));
}

TEST(Hostile, SuspiciousNamesAreWarnedStoredAndPrintedSafely) {
  std::string ctrl = std::string("ctl\x01\x1b[31mred.txt");
  std::string bad_utf8 = std::string("bad\xff\xfe.txt");
  auto s = ScanBytes(Tar({{"../../etc/evil.txt", kGood}, {"/abs/path.txt", kGood}, {ctrl, kGood}, {bad_utf8, kGood}}));
  EXPECT_EQ(s.line["status"], "scanned");
  auto w = Warnings(s.line);
  ASSERT_EQ(w.size(), 4u) << s.line.dump();
  EXPECT_EQ(w[0], "../../etc/evil.txt: suspicious name ('..' component)");
  EXPECT_EQ(w[1], "/abs/path.txt: suspicious name (absolute path)");
  EXPECT_EQ(w[2], "ctl\\x01\\x1b[31mred.txt: suspicious name (control characters)");
  EXPECT_NE(w[3].find("suspicious name (invalid UTF-8)"), std::string::npos) << w[3];
  EXPECT_EQ(s.located.size(), 4u) << "every entry is still indexed";
  EXPECT_EQ(s.table.find('\x1b'), std::string::npos) << "a name must not reach the terminal raw";
  EXPECT_NE(s.table.find("ctl\\x01\\x1b[31mred.txt"), std::string::npos) << s.table;
}

}  // namespace
}  // namespace rodo
