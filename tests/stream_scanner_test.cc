// Streaming: identifiers are found exactly once whatever the chunk size, and a valid
// identifier is found wherever it is put between non-word neighbours.
#include "scanners/stream_scanner.h"

#include <gtest/gtest.h>

#include <tuple>

#include "corpus/generator.h"

namespace rodo {
namespace {

using Key = std::tuple<uint64_t, uint32_t, int, std::string>;

std::vector<Key> Keys(const std::vector<Hit>& hits, const std::string& text) {
  std::vector<Key> k;
  std::string v;
  for (const Hit& h : hits) {
    NormaliseFound(h.kind, std::string_view(text).substr(h.offset, h.length), v);
    k.emplace_back(h.offset, h.length, static_cast<int>(h.kind), v);
  }
  return k;
}

// Text dense with identifiers in every form, look-alikes and long digit runs.
std::string MixedText(uint64_t seed, size_t size, std::vector<std::string>* planted = nullptr) {
  uint64_t r = seed;
  std::string t;
  const char* filler[] = {" zażółć ", "; ", "\n", " order 2026-11-25 ", " +48 601 234 567 ", "\t", " 1234567890123 "};
  while (t.size() < size) {
    std::string id;
    switch (corpus::NextRandom(r) % 6) {
      case 0: id = corpus::MakePesel(r, true); break;
      case 1: id = corpus::MakePesel(r, false); break;
      case 2: id = "user" + std::to_string(corpus::NextRandom(r) % 1000) + "@mail.example.com"; break;
      case 3: id = corpus::IbanWithCheckDigits("PL", std::to_string(10000000 + corpus::NextRandom(r) % 89999999) +
                                                          "0000000012345678"); break;
      case 4: id = corpus::PrintedIban(corpus::IbanWithCheckDigits("DE", "370400440532013000")); break;
      default: id = "x@" + std::string(1 + corpus::NextRandom(r) % 40, 'a') + ".pl"; break;
    }
    if (planted) planted->push_back(id);
    t += id;
    t += filler[corpus::NextRandom(r) % 7];
  }
  return t;
}

TEST(StreamScanner, EveryChunkSizeGivesTheOneShotResult) {
  DetectorSet d;
  std::string text = MixedText(7, 12000);
  std::vector<Hit> expected;
  d.Scan(Window{text.data(), text.size(), 0, text.size(), 0}, expected);
  ASSERT_GT(expected.size(), 200u);
  for (size_t chunk = 1; chunk <= 300; ++chunk) {
    StreamScanner s(d, 400);  // the smallest block: many windows over the text
    std::vector<Hit> got;
    for (size_t pos = 0; pos < text.size(); pos += chunk)
      s.Feed(std::string_view(text).substr(pos, chunk), got);
    s.Finish(got);
    ASSERT_EQ(Keys(got, text), Keys(expected, text)) << "chunk size " << chunk;
  }
}

TEST(StreamScanner, AHitInsideAnotherIsDroppedAlsoAcrossWindows) {
  // Found by the stream fuzzer: the digits of an e-mail's local part pass as a PESEL.
  DetectorSet d;
  for (size_t pad = 0; pad < 900; pad += 7) {
    std::string text = std::string(pad, ' ') + "58x40145P44051401458x@y.y.pl and 44051401458 ";
    std::vector<Hit> one, streamed;
    d.Scan(Window{text.data(), text.size(), 0, text.size(), 0}, one);
    StreamScanner s(d, 400);
    for (size_t pos = 0; pos < text.size(); pos += 28) s.Feed(std::string_view(text).substr(pos, 28), streamed);
    s.Finish(streamed);
    ASSERT_EQ(one.size(), 2u);
    ASSERT_EQ(Keys(streamed, text), Keys(one, text)) << "padding " << pad;
  }
}

TEST(StreamScanner, ReusableAfterFinish) {
  DetectorSet d;
  StreamScanner s(d, 400);
  std::vector<Hit> a, b;
  std::string text = MixedText(3, 5000);
  s.Feed(text, a);
  s.Finish(a);
  s.Feed(text, b);
  s.Finish(b);
  EXPECT_EQ(Keys(a, text), Keys(b, text));
}

TEST(StreamScanner, LongDigitAndLetterRunsAcrossWindows) {
  DetectorSet d;
  // A PESEL-looking tail at the end of a run longer than the carry-over must not be found.
  std::string text = std::string(5000, '7') + "44051401458 " + std::string(3000, 'a') + "@x.pl 44051401458";
  StreamScanner s(d, 400);
  std::vector<Hit> got;
  for (size_t pos = 0; pos < text.size(); pos += 333) s.Feed(std::string_view(text).substr(pos, 333), got);
  s.Finish(got);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].offset, text.size() - 11);
}

TEST(Property, AValidIdentifierIsFoundWhereverItIsPut) {
  DetectorSet d;
  const std::string neighbours = " ,;:()[]<>\"'\n\t|/!?";
  uint64_t r = 99;
  for (int round = 0; round < 2000; ++round) {
    std::string id, value;
    DetectorKind kind;
    switch (round % 4) {
      case 0: id = value = corpus::MakePesel(r, true); kind = DetectorKind::kPesel; break;
      case 1:
        id = "Ann.Lee" + std::to_string(round) + "@Example.org";
        value = "ann.lee" + std::to_string(round) + "@example.org";
        kind = DetectorKind::kEmail;
        break;
      case 2: {
        std::string bban;
        for (int i = 0; i < 24; ++i) bban.push_back(static_cast<char>('0' + corpus::NextRandom(r) % 10));
        value = corpus::IbanWithCheckDigits("PL", bban);
        id = round % 8 == 2 ? corpus::PrintedIban(value) : value.substr(2);
        kind = DetectorKind::kIban;
        break;
      }
      default: {
        std::string bban = "NWBK";
        for (int i = 0; i < 14; ++i) bban.push_back(static_cast<char>('0' + corpus::NextRandom(r) % 10));
        value = corpus::IbanWithCheckDigits("GB", bban);
        id = round % 8 == 3 ? value : corpus::PrintedIban(value);
        kind = DetectorKind::kIban;
      }
    }
    std::string text;
    size_t before = corpus::NextRandom(r) % 700;
    for (size_t i = 0; i < before; ++i) text.push_back(neighbours[corpus::NextRandom(r) % neighbours.size()]);
    size_t at = text.size();
    text += id;
    size_t after = corpus::NextRandom(r) % 700;
    for (size_t i = 0; i < after; ++i) text.push_back(neighbours[corpus::NextRandom(r) % neighbours.size()]);
    StreamScanner s(d, 400);
    std::vector<Hit> got;
    std::vector<std::string> values;
    size_t chunk = 1 + corpus::NextRandom(r) % 200;
    for (size_t pos = 0; pos < text.size(); pos += chunk)
      s.Feed(std::string_view(text).substr(pos, chunk), got, &values);
    s.Finish(got, &values);
    ASSERT_EQ(got.size(), 1u) << "'" << id << "' at " << at;
    EXPECT_EQ(got[0].offset, at);
    EXPECT_EQ(got[0].length, id.size());
    EXPECT_EQ(got[0].kind, kind);
    EXPECT_EQ(values.at(0), value);
  }
}

}  // namespace
}  // namespace rodo
