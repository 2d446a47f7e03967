// IBAN validation against the IBAN registry (length, BBAN structure, mod-97).
#pragma once

#include <string_view>

#include "scanners/iban_registry.h"

namespace rodo {

// `iban`: upper-case letters and digits, no spaces. True when the country is in `registry`,
// the length and BBAN structure match and the mod-97 check holds.
bool IsValidIban(std::string_view iban, const IbanRegistry& registry = IbanRegistry::Default());

// The ISO 7064 mod-97 remainder of the rearranged `iban` (1 for a valid one).
int IbanMod97(std::string_view iban);

}  // namespace rodo
