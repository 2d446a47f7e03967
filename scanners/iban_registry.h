// The IBAN registry: per country, the IBAN length and the class of every BBAN position.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rodo {

struct IbanCountrySpec {
  const char* country;  // two capital letters
  const char* bban;     // SWIFT notation, e.g. "8!n16!n"
};

// The rows compiled into the binary (iban_registry.cc).
const std::vector<IbanCountrySpec>& IbanRegistrySource();

// One country, parsed: `classes[i]` is 'n' (digit), 'a' (capital letter) or 'c' (either)
// for BBAN position i.
struct IbanCountry {
  uint8_t iban_length = 0;  // 4 + BBAN length
  std::string classes;
};

class IbanRegistry {
 public:
  // Parses `rows`. Returns nullopt (and `error`) on a malformed structure.
  static std::optional<IbanRegistry> Parse(const std::vector<IbanCountrySpec>& rows,
                                           std::string* error = nullptr);
  // Parses the text format of iban-registry.dat.
  static std::optional<IbanRegistry> ParseText(std::string_view text, std::string* error);
  // The compiled-in registry.
  static const IbanRegistry& Default();

  // nullptr when `a`,`b` is not a registry country.
  const IbanCountry* Find(char a, char b) const {
    if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z') return nullptr;
    const IbanCountry& c = table_[(a - 'A') * 26 + (b - 'A')];
    return c.iban_length ? &c : nullptr;
  }
  size_t size() const { return count_; }

 private:
  std::array<IbanCountry, 26 * 26> table_{};
  size_t count_ = 0;
};

}  // namespace rodo
