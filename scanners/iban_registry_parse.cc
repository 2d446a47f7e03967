#include <cctype>
#include <cstdlib>

#include "scanners/iban_registry.h"

namespace rodo {
namespace {

// "4!n4!n12!c" -> "nnnnnnnncccccccccccc". Fixed-length fields only ("!"), as in the registry.
std::optional<std::string> ExpandBban(std::string_view spec) {
  std::string out;
  size_t i = 0;
  while (i < spec.size()) {
    size_t n = 0;
    size_t digits = 0;
    while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i]))) {
      n = n * 10 + static_cast<size_t>(spec[i++] - '0');
      ++digits;
    }
    if (digits == 0 || n == 0 || n > 40) return std::nullopt;
    if (i < spec.size() && spec[i] == '!') ++i;
    if (i >= spec.size()) return std::nullopt;
    char cls = spec[i++];
    if (cls != 'n' && cls != 'a' && cls != 'c') return std::nullopt;
    out.append(n, cls);
  }
  if (out.empty() || out.size() > 30) return std::nullopt;
  return out;
}

}  // namespace

std::optional<IbanRegistry> IbanRegistry::Parse(const std::vector<IbanCountrySpec>& rows,
                                                std::string* error) {
  IbanRegistry reg;
  for (const IbanCountrySpec& row : rows) {
    std::string_view cc = row.country;
    auto classes = ExpandBban(row.bban);
    if (cc.size() != 2 || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z' || !classes) {
      if (error) *error = "bad IBAN registry row for '" + std::string(cc) + "': " + row.bban;
      return std::nullopt;
    }
    IbanCountry& c = reg.table_[(cc[0] - 'A') * 26 + (cc[1] - 'A')];
    if (c.iban_length == 0) ++reg.count_;
    c.iban_length = static_cast<uint8_t>(4 + classes->size());
    c.classes = std::move(*classes);
  }
  return reg;
}

std::optional<IbanRegistry> IbanRegistry::ParseText(std::string_view text, std::string* error) {
  std::vector<std::string> storage;
  std::vector<std::pair<std::string, std::string>> parsed;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    size_t b = line.find("bban=\"");
    if (line.size() < 2 || b == std::string_view::npos) continue;
    size_t e = line.find('"', b + 6);
    if (e == std::string_view::npos) {
      if (error) *error = "unterminated bban in: " + std::string(line);
      return std::nullopt;
    }
    parsed.emplace_back(std::string(line.substr(0, 2)), std::string(line.substr(b + 6, e - b - 6)));
  }
  std::vector<IbanCountrySpec> rows;
  rows.reserve(parsed.size());
  for (auto& [cc, bban] : parsed) rows.push_back({cc.c_str(), bban.c_str()});
  return Parse(rows, error);
}

const IbanRegistry& IbanRegistry::Default() {
  static const IbanRegistry kDefault = *Parse(IbanRegistrySource());
  return kDefault;
}

}  // namespace rodo
