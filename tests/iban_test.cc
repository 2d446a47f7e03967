// IBAN and NRB: registry length and structure, mod-97, printed forms and boundaries.
#include "scanners/iban.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "corpus/generator.h"
#include "scanners/detector.h"
#include "tests/test_util.h"

namespace rodo {
namespace {

std::vector<std::string> Ibans(const std::string& text) { return testing::Found(text, DetectorKind::kIban); }
using V = std::vector<std::string>;

TEST(IbanRegistry, CompiledTableMatchesTheRegistryFile) {
  std::string text = testing::ReadFile(testing::VectorsDir() + "/iban-registry.dat");
  ASSERT_FALSE(text.empty()) << "missing " << testing::VectorsDir();
  std::string error;
  auto from_file = IbanRegistry::ParseText(text, &error);
  ASSERT_TRUE(from_file) << error;
  const IbanRegistry& built_in = IbanRegistry::Default();
  EXPECT_EQ(from_file->size(), built_in.size());
  EXPECT_GE(built_in.size(), 80u);
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      const IbanCountry* f = from_file->Find(a, b);
      const IbanCountry* c = built_in.Find(a, b);
      ASSERT_EQ(f == nullptr, c == nullptr) << a << b;
      if (f) {
        EXPECT_EQ(f->iban_length, c->iban_length) << a << b;
        EXPECT_EQ(f->classes, c->classes) << a << b;
      }
    }
  }
  EXPECT_EQ(built_in.Find('P', 'L')->iban_length, 28);
  EXPECT_EQ(built_in.Find('D', 'E')->iban_length, 22);
}

TEST(Iban, StdnumVectors) {
  std::ifstream f(testing::VectorsDir() + "/iban.tsv");
  ASSERT_TRUE(f) << "missing iban.tsv";
  DetectorSet d;
  const Detector& iban = d.Get(DetectorKind::kIban);
  std::string line;
  int valid = 0, invalid = 0;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("value\t", 0) == 0) continue;
    std::istringstream row(line);
    std::string value, expected, note;
    std::getline(row, value, '\t');
    std::getline(row, expected, '\t');
    std::getline(row, note, '\t');
    bool ok = iban.Normalise(value).has_value();
    EXPECT_EQ(ok, expected == "1") << value << " (" << note << ")";
    (expected == "1" ? valid : invalid)++;
  }
  EXPECT_GT(valid, 150);
  EXPECT_GT(invalid, 10);
}

TEST(Iban, EveryRegistryCountryIsFoundInRunningText) {
  // For every country: a generated valid IBAN of the registry structure, in both forms.
  uint64_t rng = 42;
  std::ifstream f(testing::VectorsDir() + "/iban-registry.dat");
  std::string line;
  int countries = 0;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    const IbanCountry* c = IbanRegistry::Default().Find(line[0], line[1]);
    ASSERT_NE(c, nullptr) << line;
    std::string bban;
    for (char cls : c->classes) {
      uint64_t r = corpus::NextRandom(rng);
      bban.push_back(cls == 'a' || (cls == 'c' && r % 3 == 0) ? static_cast<char>('A' + r % 26)
                                                               : static_cast<char>('0' + r % 10));
    }
    std::string e = corpus::IbanWithCheckDigits(line.substr(0, 2), bban);
    EXPECT_EQ(Ibans("IBAN: " + e + ".\n"), V{e + "=" + e});
    std::string p = corpus::PrintedIban(e);
    EXPECT_EQ(Ibans("(" + p + ")"), V{p + "=" + e});
    ++countries;
  }
  EXPECT_EQ(countries, static_cast<int>(IbanRegistry::Default().size()));
}

TEST(Iban, RegistryLengthDecidesWhereAPrintedIbanEnds) {
  EXPECT_EQ(Ibans("PL61 1090 1014 0000 0712 1981 2874 61 …"),
            V{"PL61 1090 1014 0000 0712 1981 2874=PL61109010140000071219812874"});
  EXPECT_EQ(Ibans("DE89 3704 0044 0532 0130 00 12"), V{"DE89 3704 0044 0532 0130 00=DE89370400440532013000"});
  EXPECT_TRUE(Ibans("DE89 3704 0044 0532 0130 0012").empty());  // last group glued to more digits
}

TEST(Iban, NrbIsThePolishIbanWithoutItsPrefix) {
  EXPECT_EQ(Ibans("nr 61109010140000071219812874,"), V{"61109010140000071219812874=PL61109010140000071219812874"});
  EXPECT_EQ(Ibans("nr 61 1090 1014 0000 0712 1981 2874 x"),
            V{"61 1090 1014 0000 0712 1981 2874=PL61109010140000071219812874"});
  EXPECT_TRUE(Ibans("161109010140000071219812874").empty());   // inside a longer digit run
  EXPECT_TRUE(Ibans("61109010140000071219812875").empty());    // bad check
  EXPECT_TRUE(Ibans("x61109010140000071219812874").empty());   // glued to a letter
}

TEST(Iban, GluedOrLowerCaseInTextIsNot) {
  EXPECT_TRUE(Ibans("XPL61109010140000071219812874").empty());
  EXPECT_TRUE(Ibans("PL611090101400000712198128745").empty());
  EXPECT_TRUE(Ibans("PL61109010140000071219812874A").empty());
  EXPECT_TRUE(Ibans("PL61109010140000071219812875").empty());  // mod-97
  EXPECT_TRUE(Ibans("PL61  1090 1014 0000 0712 1981 2874").empty());  // double space
  EXPECT_TRUE(Ibans("XX61109010140000071219812874").empty());  // not a registry country
}

TEST(Iban, NormaliseAndMask) {
  DetectorSet d;
  const Detector& i = d.Get(DetectorKind::kIban);
  EXPECT_EQ(i.Normalise("pl61 1090 1014 0000 0712 1981 2874").value_or(""), "PL61109010140000071219812874");
  EXPECT_EQ(i.Normalise("61109010140000071219812874").value_or(""), "PL61109010140000071219812874");
  EXPECT_EQ(i.Normalise("61 1090 1014 0000 0712 1981 2874").value_or(""), "PL61109010140000071219812874");
  EXPECT_FALSE(i.Normalise("PL61109010140000071219812875"));
  EXPECT_EQ(MaskValue(DetectorKind::kIban, "PL61109010140000071219812874"), "PL61 **** **** 2874");
}

}  // namespace
}  // namespace rodo
