// The command line as CONTRACT.md defines it: flags, JSON lines, exit codes.
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

std::vector<json> Lines(const std::string& out) {
  std::vector<json> v;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) v.push_back(json::parse(line));
  return v;
}

TEST(Cli, HelpAndVersion) {
  EXPECT_EQ(RunRodo({"--version"}).exit_code, 0);
  EXPECT_NE(RunRodo({"--version"}).out.find("rodo"), std::string::npos);
  EXPECT_EQ(RunRodo({"--help"}).exit_code, 0);
  for (const char* sub : {"detect", "scan", "locate"}) {
    auto r = RunRodo({sub, "--help"});
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.out.find(sub), std::string::npos) << sub;
  }
  EXPECT_EQ(RunRodo({"no-such-command"}).exit_code, 1);
  EXPECT_EQ(RunRodo({"scan", "--bogus"}).exit_code, 1);
}

TEST(Cli, DetectJsonFromStdinAndFiles) {
  TempDir d;
  std::ofstream(d / "customers.csv") << "id;konto\n1;PL61 1090 1014 0000 0712 1981 2874\n";
  auto r = RunRodo({"detect", "--json", "--show-values", d / "customers.csv", "-", d / "missing.txt"},
                   "mail: Jan@X.PL, pesel 44051401458");
  EXPECT_EQ(r.exit_code, 1);  // one file could not be read; the others were scanned
  EXPECT_NE(r.err.find("missing.txt"), std::string::npos);
  auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], json::parse(R"({"file":")" + d / "customers.csv" +
                                  R"(","offset":11,"length":34,"detector":"iban","masked":"PL61 **** **** 2874","value":"PL61109010140000071219812874"})"));
  EXPECT_EQ(lines[1]["file"], "-");
  EXPECT_EQ(lines[1]["detector"], "email");
  EXPECT_EQ(lines[1]["value"], "jan@x.pl");
  EXPECT_EQ(lines[2]["masked"], "44*******58");
  EXPECT_EQ(lines[2]["offset"], 22);
  auto plain = RunRodo({"detect", "-"}, "44051401458");
  EXPECT_EQ(plain.exit_code, 0);
  EXPECT_EQ(plain.out.find("44051401458"), std::string::npos) << "values only with --show-values";
  EXPECT_EQ(RunRodo({"detect", "--json", "-"}, "nothing here").out, "");
}

TEST(Cli, ScanAndLocateJson) {
  TempDir d;
  corpus::Options o;
  o.seed = 5;
  o.bytes = 120 * 1024;
  o.subjects = 4;
  o.formats = {"tar.zst", "zip"};
  auto res = corpus::Generate(o, d.path().string());
  std::ofstream(d / "snapshots/broken.tar.gz") << "not gzip at all";
  std::string idx = d / "index.db";
  auto r = RunRodo({"scan", "--json", "--index", idx, "--jobs", "2", d / "snapshots"});
  EXPECT_EQ(r.exit_code, 2) << r.err;  // one snapshot failed, the rest indexed
  auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["status"], "error");
  EXPECT_TRUE(lines[0]["error"].is_string());
  EXPECT_EQ(lines[1]["status"], "scanned");
  EXPECT_TRUE(lines[1]["snapshot"].get<std::string>().front() == '/');
  for (const char* k : {"entries", "bytes", "findings", "seconds"}) EXPECT_TRUE(lines[1].contains(k)) << k;
  EXPECT_EQ(lines[3]["summary"]["snapshots"], 3);
  EXPECT_EQ(lines[3]["summary"]["scanned"], 2);
  EXPECT_EQ(lines[3]["summary"]["errors"], 1);
  EXPECT_TRUE(r.err.empty()) << "no progress without a terminal: " << r.err;

  auto again = RunRodo({"scan", "--json", "--index", idx, d / "snapshots/snap-000.zip"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(Lines(again.out)[0]["status"], "unchanged");

  // locate with printed IBAN in lower case and an upper-case email.
  auto truth = testing::ReadGroundTruth(d.path().string());
  const auto& s = res.subjects[0];
  std::string printed;
  for (size_t i = 0; i < s.iban.size(); ++i) {
    if (i && i % 4 == 0) printed.push_back(' ');
    printed.push_back(static_cast<char>(std::tolower(s.iban[i])));
  }
  std::string upper_email = s.email;
  for (char& c : upper_email) c = static_cast<char>(std::toupper(c));
  auto loc = RunRodo({"locate", "--json", "--index", idx, "--iban", printed, "--email", upper_email, "--pesel", s.pesel});
  EXPECT_EQ(loc.exit_code, 0) << loc.err;
  size_t want = 0;
  for (const auto& p : truth) want += p.subject == 0;
  auto occ = Lines(loc.out);
  EXPECT_EQ(occ.size(), want);
  ASSERT_FALSE(occ.empty());
  for (const char* k : {"snapshot", "entry", "field", "offset", "length", "detector"}) EXPECT_TRUE(occ[0].contains(k));
  EXPECT_TRUE(occ[0]["entry"].is_array());

  auto table = RunRodo({"locate", "--index", idx, "--pesel", s.pesel});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_NE(table.out.find("occurrence"), std::string::npos);
  EXPECT_EQ(table.out.find(s.pesel), std::string::npos) << "the table shows masked values only";

  auto bad = RunRodo({"locate", "--index", idx, "--pesel", "44051401459"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("PESEL"), std::string::npos);
  EXPECT_EQ(RunRodo({"locate", "--index", idx, "--pesel", "44051401458"}).out.find("44"), std::string::npos);
  EXPECT_EQ(RunRodo({"locate", "--json", "--index", idx, "--pesel", "44051401458"}).out, "");
}

TEST(Cli, UnusableIndexIsExitOne) {
  TempDir d;
  std::ofstream(d / "bad.db") << std::string(8192, 'x');
  auto r = RunRodo({"scan", "--index", d / "bad.db", d.path().string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(r.err.empty());
}

}  // namespace
}  // namespace rodo
