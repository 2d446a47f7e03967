// PESEL: 11 digits not touching other digits, with a valid check digit and birth date.
#include "scanners/pesel.h"

#include "scanners/detector.h"
#include "scanners/text.h"

namespace rodo {
namespace {

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

class PeselDetector final : public Detector {
 public:
  DetectorKind kind() const override { return DetectorKind::kPesel; }

  void Scan(const Window& w, std::vector<Hit>& out) const override {
    const char* d = w.data;
    size_t pos = w.from;
    // A run starting before `from` belongs to the previous window: skip its tail.
    if (pos > 0 && pos < w.size && text::IsDigit(d[pos - 1])) pos = text::SkipDigits(d, pos, w.size);
    while (pos < w.limit) {
      pos = text::FindDigit(d, pos, w.limit);
      if (pos >= w.limit) break;
      size_t end = text::SkipDigits(d, pos, w.size);
      if (end - pos == 11 && IsValidPesel(d + pos)) {
        out.push_back(Hit{w.base_offset + pos, 11, DetectorKind::kPesel});
      }
      pos = end;
    }
  }

  std::optional<std::string> Normalise(std::string_view input) const override {
    std::string digits;
    for (char c : input) {
      if (text::IsDigit(c)) {
        digits.push_back(c);
      } else if (c != ' ' && c != '-') {
        return std::nullopt;
      }
    }
    if (digits.size() != 11 || !IsValidPesel(digits.data())) return std::nullopt;
    return digits;
  }
};

}  // namespace

std::optional<PeselDate> PeselBirthDate(const char* p) {
  auto num = [&](int i) { return (p[i] - '0') * 10 + (p[i + 1] - '0'); };
  int yy = num(0);
  int mm = num(2);
  int dd = num(4);
  int century;
  if (mm >= 81 && mm <= 92) {
    century = 1800, mm -= 80;
  } else if (mm >= 1 && mm <= 12) {
    century = 1900;
  } else if (mm >= 21 && mm <= 32) {
    century = 2000, mm -= 20;
  } else if (mm >= 41 && mm <= 52) {
    century = 2100, mm -= 40;
  } else if (mm >= 61 && mm <= 72) {
    century = 2200, mm -= 60;
  } else {
    return std::nullopt;
  }
  int year = century + yy;
  if (dd < 1 || dd > DaysInMonth(year, mm)) return std::nullopt;
  return PeselDate{year, mm, dd};
}

bool PeselCheckDigitOk(const char* p) {
  static constexpr int kWeights[10] = {1, 3, 7, 9, 1, 3, 7, 9, 1, 3};
  int sum = 0;
  for (int i = 0; i < 10; ++i) sum += (p[i] - '0') * kWeights[i];
  return (10 - sum % 10) % 10 == p[10] - '0';
}

bool IsValidPesel(const char* p) { return PeselCheckDigitOk(p) && PeselBirthDate(p).has_value(); }

std::unique_ptr<Detector> MakePeselDetector() { return std::make_unique<PeselDetector>(); }

}  // namespace rodo
