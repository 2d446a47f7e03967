// PESEL: check digit, all five century encodings, real calendar dates, digit boundaries.
#include "scanners/pesel.h"

#include <gtest/gtest.h>

#include "scanners/detector.h"

namespace rodo {
namespace {

std::vector<Hit> Detect(const std::string& text) {
  DetectorSet d;
  std::vector<Hit> hits;
  d.Scan(Window{text.data(), text.size(), 0, text.size(), 0}, hits);
  return hits;
}

TEST(Pesel, ValidInEveryCentury) {
  // Expected check digits computed by hand from the published weights 1,3,7,9,1,3,7,9,1,3.
  for (const char* p : {"44051401458",    // 1944-05-14, the classic published example
                        "04822900005",    // 1804-02-29 (1800s: month + 80, leap year)
                        "80010100000",    // 1980-01-01
                        "00210100004",    // 2000-01-01 (2000s: month + 20)
                        "00410100000",    // 2100-01-01 (2100s: month + 40)
                        "00610100006",    // 2200-01-01 (2200s: month + 60)
                        "00810100002",    // 1800-01-01
                        "99123100003"}) { // 1999-12-31
    EXPECT_TRUE(IsValidPesel(p)) << p;
  }
}

TEST(Pesel, TwentyNinthOfFebruaryOnlyInLeapYears) {
  EXPECT_TRUE(IsValidPesel("96022900006"));   // 1996 leap
  EXPECT_TRUE(IsValidPesel("00222900009"));   // 2000 leap (divisible by 400)
  EXPECT_TRUE(IsValidPesel("24322900008"));   // 2024 leap
  EXPECT_TRUE(IsValidPesel("04422900003"));   // 2104 leap
  EXPECT_TRUE(IsValidPesel("04622900009"));   // 2204 leap
  EXPECT_FALSE(IsValidPesel("00022900003"));  // 1900 not leap
  EXPECT_FALSE(IsValidPesel("00422900005"));  // 2100 not leap
  EXPECT_FALSE(IsValidPesel("00622900001"));  // 2200 not leap
  EXPECT_FALSE(IsValidPesel("00822900007"));  // 1800 not leap
  EXPECT_FALSE(IsValidPesel("99022900007"));  // 1999 not leap
}

TEST(Pesel, ImpossibleDatesAreRejectedEvenWithAGoodCheckDigit) {
  EXPECT_FALSE(IsValidPesel("00023000009"));  // 30 February
  EXPECT_FALSE(IsValidPesel("85130100000"));  // month 13
  EXPECT_FALSE(IsValidPesel("85000100004"));  // month 0
  EXPECT_FALSE(IsValidPesel("85013200009"));  // 32 January
  EXPECT_FALSE(IsValidPesel("85043100005"));  // 31 April
  EXPECT_TRUE(IsValidPesel("00323100005"));   // month 32 is December 2000: valid
  EXPECT_FALSE(IsValidPesel("00330100009"));  // month 33 encodes nothing
}

TEST(Pesel, BadCheckDigitIsRejected) {
  for (char c = '0'; c <= '9'; ++c) {
    std::string p = "4405140145";
    p.push_back(c);
    EXPECT_EQ(IsValidPesel(p.c_str()), c == '8') << p;
  }
}

TEST(Pesel, DetectedOnlyAsAWholeElevenDigitRun) {
  ASSERT_EQ(Detect("PESEL: 44051401458.").size(), 1u);
  EXPECT_EQ(Detect("PESEL: 44051401458.")[0].offset, 7u);
  EXPECT_TRUE(Detect("144051401458").empty());   // inside a longer run
  EXPECT_TRUE(Detect("440514014581").empty());
  EXPECT_TRUE(Detect("4405140145").empty());     // too short
  EXPECT_TRUE(Detect("44051401459").empty());    // bad check digit
  auto hits = Detect("a44051401458b");           // letters do not touch digits
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].offset, 1u);
  EXPECT_EQ(hits[0].length, 11u);
}

TEST(Pesel, NormaliseAcceptsOnlyValidValues) {
  DetectorSet d;
  EXPECT_EQ(d.Get(DetectorKind::kPesel).Normalise("44051401458").value_or(""), "44051401458");
  EXPECT_FALSE(d.Get(DetectorKind::kPesel).Normalise("44051401459"));
  EXPECT_FALSE(d.Get(DetectorKind::kPesel).Normalise("4405140145"));
  EXPECT_FALSE(d.Get(DetectorKind::kPesel).Normalise("4405140145x"));
}

TEST(Pesel, Masked) { EXPECT_EQ(MaskValue(DetectorKind::kPesel, "85010112345"), "85*******45"); }

}  // namespace
}  // namespace rodo
