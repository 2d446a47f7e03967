// E-mail: practical RFC 5321 addresses, TLD of 2+ letters, surroundings not part of it.
#include <gtest/gtest.h>

#include "scanners/detector.h"
#include "tests/test_util.h"

namespace rodo {
namespace {

std::vector<std::string> Emails(const std::string& text) { return testing::Found(text, DetectorKind::kEmail); }

using V = std::vector<std::string>;

TEST(Email, Valid) {
  EXPECT_EQ(Emails("jan@x.pl"), V{"jan@x.pl=jan@x.pl"});
  EXPECT_EQ(Emails("Jan.Kowalski@Example.COM"), V{"Jan.Kowalski@Example.COM=jan.kowalski@example.com"});
  EXPECT_EQ(Emails("a+tag_1%x-y@sub.domain-1.co.uk"), V{"a+tag_1%x-y@sub.domain-1.co.uk=a+tag_1%x-y@sub.domain-1.co.uk"});
}

TEST(Email, SurroundingsAreNotPartOfIt) {
  EXPECT_EQ(Emails("'jan@x.pl'"), V{"jan@x.pl=jan@x.pl"});
  EXPECT_EQ(Emails("\"jan@x.pl\""), V{"jan@x.pl=jan@x.pl"});
  EXPECT_EQ(Emails("...jan@x.pl."), V{"jan@x.pl=jan@x.pl"});
  EXPECT_EQ(Emails("<jan@x.pl>,(ann@y.com)"), (V{"jan@x.pl=jan@x.pl", "ann@y.com=ann@y.com"}));
  EXPECT_EQ(Emails("mailto:jan@x.pl?subject=hi"), V{"jan@x.pl=jan@x.pl"});
  EXPECT_EQ(Emails("user=jan@x.pl;"), V{"jan@x.pl=jan@x.pl"});
  EXPECT_EQ(Emails("Zażółć jan@x.pl gęślą"), V{"jan@x.pl=jan@x.pl"});
}

TEST(Email, NearEmailsAreNot) {
  EXPECT_TRUE(Emails("jan@localhost").empty());
  EXPECT_TRUE(Emails("jan@host.c").empty());
  EXPECT_TRUE(Emails("jan@host.123").empty());
  EXPECT_TRUE(Emails("@handle and a@ and @x.pl").empty());
  EXPECT_TRUE(Emails("jan(at)x.pl").empty());
  EXPECT_TRUE(Emails("jan..kowalski@x.pl").empty());  // not a dot-atom: no part of it is reported
  EXPECT_TRUE(Emails("jan@-x.pl").empty());
  EXPECT_TRUE(Emails("jan@x.pl1").empty());
  EXPECT_TRUE(Emails(std::string(65, 'a') + "@x.pl").empty());  // local part over 64
}

TEST(Email, TrailingDotsAndSubdomains) {
  EXPECT_EQ(Emails("jan@mail.x.pl.\n"), V{"jan@mail.x.pl=jan@mail.x.pl"});
  EXPECT_EQ(Emails("jan@x.pl.123"), V{"jan@x.pl=jan@x.pl"});
}

TEST(Email, NormaliseAndMask) {
  DetectorSet d;
  const Detector& e = d.Get(DetectorKind::kEmail);
  EXPECT_EQ(e.Normalise("Jan@X.PL").value_or(""), "jan@x.pl");
  EXPECT_EQ(e.Normalise(" <jan@x.pl> ").value_or(""), "jan@x.pl");
  EXPECT_FALSE(e.Normalise("jan@x"));
  EXPECT_FALSE(e.Normalise("jan@x.pl extra"));
  EXPECT_FALSE(e.Normalise("jan"));
  EXPECT_EQ(MaskValue(DetectorKind::kEmail, "jan@example.com"), "j***@example.com");
}

}  // namespace
}  // namespace rodo
