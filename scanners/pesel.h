// PESEL validation (Polish national identification number).
#pragma once

#include <optional>

namespace rodo {

struct PeselDate {
  int year, month, day;
};

// `p` points at 11 ASCII digits.
bool PeselCheckDigitOk(const char* p);
// The birth date encoded in the first six digits (all five century encodings), if it is a
// real calendar date.
std::optional<PeselDate> PeselBirthDate(const char* p);
bool IsValidPesel(const char* p);

}  // namespace rodo
