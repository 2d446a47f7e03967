#include "corpus/generator.h"

#include <archive.h>
#include <archive_entry.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <tuple>

namespace rodo::corpus {
namespace {

using json = nlohmann::ordered_json;

const char* kFirst[] = {"Anna", "Jan", "Katarzyna", "Piotr", "Małgorzata", "Krzysztof", "Agnieszka", "Tomasz",
                        "Zofia", "Paweł", "Joanna", "Michał", "Ewa", "Łukasz", "Barbara", "Grzegorz"};
const char* kLast[] = {"Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowska",
                       "Zieliński", "Szymańska", "Woźniak", "Dąbrowski", "Kozłowska", "Jankowski", "Mazur"};
const char* kAscii[] = {"anna", "jan", "kasia", "piotr", "gosia", "krzys", "aga", "tomek",
                        "zosia", "pawel", "asia", "michal", "ewa", "lukasz", "basia", "grzes"};
const char* kDomains[] = {"example.com", "firma.pl", "Poczta.ONET.pl", "wp.pl", "gmail.com", "klient.com.pl"};
const char* kWords[] = {"zamówienie", "faktura", "przelew", "klient", "umowa", "dostawa", "reklamacja", "termin",
                        "płatność", "zgoda", "świadczenie", "rachunek", "księgowość", "magazyn", "źródło",
                        "żółć", "the", "order", "invoice", "status", "pending", "shipped", "update", "record",
                        "backup", "serwer", "użytkownik", "hasło", "wiadomość", "odpowiedź", "proszę", "dziękuję"};
const char* kCities[] = {"Warszawa", "Kraków", "Łódź", "Wrocław", "Poznań", "Gdańsk", "Szczecin", "Lublin"};

template <size_t N>
const char* Pick(uint64_t& s, const char* (&arr)[N]) {
  return arr[NextRandom(s) % N];
}
int Uniform(uint64_t& s, int n) { return static_cast<int>(NextRandom(s) % static_cast<uint64_t>(n)); }

std::string Digits(uint64_t& s, int n) {
  std::string d;
  for (int i = 0; i < n; ++i) d.push_back(static_cast<char>('0' + Uniform(s, 10)));
  return d;
}

bool Leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int Days(int y, int m) {
  static const int k[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && Leap(y) ? 29 : k[m - 1];
}

// Builds one entry's bytes and records where identifiers were planted.
class EntryBuilder {
 public:
  std::string data;
  std::vector<Planted> planted;

  void Add(std::string_view s) { data.append(s); }
  void Plant(const std::string& written, const std::string& detector, const std::string& value, int subject) {
    Planted p;
    p.field = "content";
    p.offset = data.size();
    p.length = static_cast<uint32_t>(written.size());
    p.detector = detector;
    p.value = value;
    p.subject = subject;
    planted.push_back(std::move(p));
    data.append(written);
  }
};

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return s;
}

class Generator {
 public:
  Generator(const Options& o) : opt_(o), rng_(o.seed * 0x9E3779B97F4A7C15ull + 7) {
    for (int i = 0; i < o.subjects; ++i) subjects_.push_back(MakeSubject(i));
  }

  const std::vector<Subject>& subjects() const { return subjects_; }

  // The next entry: path and content.
  void NextEntry(int serial, std::string& path, EntryBuilder& b) {
    b.data.clear();
    b.planted.clear();
    switch (serial % 7) {
      case 0: path = "export/customers_" + std::to_string(serial) + ".csv"; Csv(b); break;
      case 1: path = "db/dump_" + std::to_string(serial) + ".sql"; Sql(b); break;
      case 2: path = "api/users_" + std::to_string(serial) + ".json"; Json(b); break;
      case 3: path = "logs/app_" + std::to_string(serial) + ".log"; Log(b); break;
      case 4: path = "mail/" + std::to_string(serial) + ".eml"; Eml(b); break;
      case 5: path = "dokumenty/notatka_" + std::to_string(serial) + ".txt"; Prose(b); break;
      default: {
        // An identifier in the entry's name (a scanned ID card), and a small body.
        const Subject& s = subjects_[static_cast<size_t>(Uniform(rng_, opt_.subjects))];
        path = "skany/" + s.pesel + "_dowod_" + std::to_string(serial) + ".txt";
        name_pesel_ = s.id;
        Prose(b);
        return;
      }
    }
    name_pesel_ = -1;
  }
  int name_subject() const { return name_pesel_; }

 private:
  Subject MakeSubject(int id) {
    Subject s;
    s.id = id;
    s.name = std::string(Pick(rng_, kFirst)) + " " + Pick(rng_, kLast);
    s.pesel = MakePesel(rng_, true);
    std::string local = std::string(kAscii[static_cast<size_t>(id) % 16]) + "." + std::to_string(id) + "." +
                        std::to_string(1000 + NextRandom(rng_) % 9000);  // unique per seed
    if (id % 3 == 1) local[0] = static_cast<char>(local[0] - 32);  // mixed case in the text
    s.email = local + "@" + kDomains[static_cast<size_t>(id) % 6];
    switch (id % 5) {
      case 0: case 1: case 2: s.iban = IbanWithCheckDigits("PL", Digits(rng_, 24)); break;
      case 3: s.iban = IbanWithCheckDigits("DE", Digits(rng_, 18)); break;
      default: s.iban = IbanWithCheckDigits("GB", "NWBK" + Digits(rng_, 14)); break;
    }
    return s;
  }

  const Subject& AnySubject() { return subjects_[static_cast<size_t>(Uniform(rng_, opt_.subjects))]; }

  // Sparse: about 2 KB of filler per identifier; dense: a few words.
  void Filler(EntryBuilder& b) {
    int words = opt_.dense ? 2 + Uniform(rng_, 4) : 200 + Uniform(rng_, 120);
    for (int i = 0; i < words; ++i) {
      if (i) b.Add(i % 17 == 0 ? ".\n" : " ");
      if (Uniform(rng_, 40) == 0) {
        Noise(b);
      } else {
        b.Add(Pick(rng_, kWords));
      }
    }
    b.Add("\n");
  }

  // Look-alikes that no detector may report.
  void Noise(EntryBuilder& b) {
    uint64_t& r = rng_;
    switch (Uniform(r, 9)) {
      case 0: b.Add(MakePesel(r, false)); break;
      case 1: b.Add("+48 " + Digits(r, 3) + " " + Digits(r, 3) + " " + Digits(r, 3)); break;
      case 2: b.Add("ORD-2026-" + Digits(r, 6)); break;
      case 3: {  // IBAN with a wrong check: bump the check digits
        std::string good = IbanWithCheckDigits("PL", Digits(r, 24));
        int cd = (std::stoi(good.substr(2, 2)) + 1 + Uniform(r, 90)) % 97 + 2;
        std::string bad = good.substr(0, 2) + (cd < 10 ? "0" : "") + std::to_string(cd) + good.substr(4);
        if (Mod97(bad) != 1) b.Add(Uniform(r, 2) ? bad : PrintedIban(bad));
        break;
      }
      case 4: {  // an IBAN one digit short
        std::string good = IbanWithCheckDigits("DE", Digits(r, 18));
        b.Add(good.substr(0, good.size() - 1));
        break;
      }
      case 5: b.Add(std::string(Pick(r, kAscii)) + "@localhost"); break;
      case 6: b.Add(std::string(Pick(r, kAscii)) + "@host.c"); break;
      case 7: b.Add("2026-" + Digits(r, 2) + "-" + Digits(r, 2) + " " + Digits(r, 2) + ":" + Digits(r, 2)); break;
      default: b.Add(Digits(r, 4) + "," + Digits(r, 2) + " PLN"); break;
    }
  }

  void PlantPesel(EntryBuilder& b, const Subject& s) { b.Plant(s.pesel, "pesel", s.pesel, s.id); }
  void PlantEmail(EntryBuilder& b, const Subject& s) { b.Plant(s.email, "email", Lower(s.email), s.id); }
  void PlantIban(EntryBuilder& b, const Subject& s) {
    std::string written = s.iban;
    int form = Uniform(rng_, 4);
    if (form == 1) written = PrintedIban(s.iban);
    if (s.iban.compare(0, 2, "PL") == 0 && form == 2) written = s.iban.substr(2);  // NRB
    if (s.iban.compare(0, 2, "PL") == 0 && form == 3) written = PrintedIban(s.iban).substr(2);  // printed NRB
    b.Plant(written, "iban", s.iban, s.id);
  }

  size_t EntryTarget() { return 16 * 1024 + static_cast<size_t>(Uniform(rng_, 48 * 1024)); }

  void Csv(EntryBuilder& b) {
    b.Add("id;imie_nazwisko;pesel;email;konto;telefon;miasto;uwagi\n");
    size_t target = EntryTarget();
    for (int row = 1; b.data.size() < target; ++row) {
      const Subject& s = AnySubject();
      b.Add(std::to_string(row) + ";" + s.name + ";");
      PlantPesel(b, s);
      b.Add(";");
      PlantEmail(b, s);
      b.Add(";");
      PlantIban(b, s);
      b.Add(";+48 " + Digits(rng_, 3) + " " + Digits(rng_, 3) + " " + Digits(rng_, 3) + ";" + Pick(rng_, kCities) + ";");
      Filler(b);
    }
  }

  void Sql(EntryBuilder& b) {
    b.Add("-- PostgreSQL database dump\nSET client_encoding = 'UTF8';\n");
    size_t target = EntryTarget();
    while (b.data.size() < target) {
      const Subject& s = AnySubject();
      b.Add("INSERT INTO klienci (nazwa, pesel, email, konto, opis) VALUES ('" + s.name + "', '");
      PlantPesel(b, s);
      b.Add("', '");
      PlantEmail(b, s);
      b.Add("', '");
      PlantIban(b, s);
      b.Add("', '");
      Filler(b);
      b.Add("');\n");
    }
  }

  void Json(EntryBuilder& b) {
    b.Add("[\n");
    size_t target = EntryTarget();
    while (b.data.size() < target) {
      const Subject& s = AnySubject();
      b.Add("  {\"name\": \"" + s.name + "\", \"email\": \"");
      PlantEmail(b, s);
      b.Add("\", \"pesel\": \"");
      PlantPesel(b, s);
      b.Add("\", \"note\": \"");
      Filler(b);
      b.data.pop_back();
      b.Add("\"},\n");
    }
    b.Add("  {}\n]\n");
  }

  void Log(EntryBuilder& b) {
    size_t target = EntryTarget();
    while (b.data.size() < target) {
      const Subject& s = AnySubject();
      b.Add("2026-11-" + Digits(rng_, 2) + "T" + Digits(rng_, 2) + ":" + Digits(rng_, 2) + ":00Z INFO login user=");
      PlantEmail(b, s);
      b.Add(" ip=10.0." + std::to_string(Uniform(rng_, 255)) + "." + std::to_string(Uniform(rng_, 255)) + " ");
      Filler(b);
    }
  }

  void Eml(EntryBuilder& b) {
    const Subject& s = AnySubject();
    b.Add("From: " + s.name + " <");
    PlantEmail(b, s);
    b.Add(">\nTo: ");
    b.Plant("biuro@firma.pl", "email", "biuro@firma.pl", -1);  // the company's mailbox: no subject
    b.Add("\nSubject: =?UTF-8?Q?Zwrot_p=C5=82atno=C5=9Bci?=\nContent-Type: text/plain; charset=utf-8\n\n");
    size_t target = EntryTarget();
    while (b.data.size() < target) {
      b.Add("Dzień dobry, proszę o zwrot na konto ");
      PlantIban(b, s);
      b.Add(". Mój PESEL: ");
      PlantPesel(b, s);
      b.Add(". ");
      Filler(b);
    }
  }

  void Prose(EntryBuilder& b) {
    size_t target = EntryTarget() / 2;
    while (b.data.size() < target) {
      const Subject& s = AnySubject();
      b.Add("Notatka ze spotkania z klientem " + s.name + " (");
      PlantEmail(b, s);
      b.Add("). ");
      Filler(b);
    }
  }

  Options opt_;
  uint64_t rng_;
  std::vector<Subject> subjects_;
  int name_pesel_ = -1;
};

struct WriterSpec {
  std::string ext;
  int format;
  int filter;  // ARCHIVE_FILTER_*
};

WriterSpec SpecFor(const std::string& f) {
  if (f == "tar") return {".tar", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE};
  if (f == "pax") return {".pax.tar", ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE, ARCHIVE_FILTER_NONE};
  if (f == "ustar") return {".ustar.tar", ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_NONE};
  if (f == "gnutar") return {".gnu.tar", ARCHIVE_FORMAT_TAR_GNUTAR, ARCHIVE_FILTER_NONE};
  if (f == "tar.gz") return {".tar.gz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP};
  if (f == "tar.bz2") return {".tar.bz2", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_BZIP2};
  if (f == "tar.xz") return {".tar.xz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_XZ};
  if (f == "tar.zst") return {".tar.zst", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_ZSTD};
  if (f == "tar.lz4") return {".tar.lz4", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_LZ4};
  if (f == "zip") return {".zip", ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE};
  if (f == "7z") return {".7z", ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE};
  if (f == "cpio") return {".cpio", ARCHIVE_FORMAT_CPIO_SVR4_NOCRC, ARCHIVE_FILTER_NONE};
  if (f == "cpio.gz") return {".cpio.gz", ARCHIVE_FORMAT_CPIO_SVR4_NOCRC, ARCHIVE_FILTER_GZIP};
  if (f == "gz") return {".sql.gz", ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP};
  throw std::runtime_error("unknown corpus format: " + f);
}

struct SpecialEntry {
  std::string path;
  unsigned type;             // AE_IFREG, AE_IFDIR, AE_IFLNK
  const std::string* data;   // regular files
  std::string link;          // symlink target
  std::string hardlink;      // hard link target (tar formats only)
};

struct ArchiveWriter {
  archive* a = archive_write_new();
  std::string path;
  ~ArchiveWriter() { archive_write_free(a); }
  void Check(int rc, const char* what) {
    if (rc < ARCHIVE_WARN)
      throw std::runtime_error(path + ": " + what + ": " + (archive_error_string(a) ? archive_error_string(a) : "?"));
  }
};

// Packs entries into an archive in memory (for containers inside snapshots).
struct InnerEntry {
  std::string name;
  std::string data;
};
std::string Pack(int format, int filter, const std::vector<InnerEntry>& entries) {
  ArchiveWriter w;
  w.path = "(in memory)";
  std::string out;
  w.Check(archive_write_set_format(w.a, format), "format");
  if (filter != ARCHIVE_FILTER_NONE) w.Check(archive_write_add_filter(w.a, filter), "filter");
  archive_write_set_bytes_in_last_block(w.a, 1);
  auto write_cb = [](archive*, void* client, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  w.Check(archive_write_open(w.a, &out, nullptr, write_cb, nullptr), "open");
  for (const InnerEntry& ie : entries) {
    archive_entry* e = archive_entry_new();
    // Names that are not UTF-8 (hostile-input tests) are stored as raw bytes.
    if (!archive_entry_update_pathname_utf8(e, ie.name.c_str())) archive_entry_copy_pathname(e, ie.name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(ie.data.size()));
    archive_entry_set_mtime(e, 1764000000, 0);
    w.Check(archive_write_header(w.a, e), "header");
    archive_entry_free(e);
    for (size_t off = 0; off < ie.data.size();) {
      la_ssize_t n = archive_write_data(w.a, ie.data.data() + off, ie.data.size() - off);
      if (n <= 0) w.Check(ARCHIVE_FATAL, "data");
      off += static_cast<size_t>(n);
    }
  }
  w.Check(archive_write_close(w.a), "close");
  return out;
}

std::string Utf16Le(const std::string& ascii_or_utf8_ascii) {
  std::string out = "\xff\xfe";
  for (char c : ascii_or_utf8_ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

}  // namespace

std::string PackArchive(int format, int filter, const std::vector<std::pair<std::string, std::string>>& entries) {
  std::vector<InnerEntry> v;
  for (const auto& [name, data] : entries) v.push_back({name, data});
  return Pack(format, filter, v);
}

uint64_t NextRandom(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string PeselWithCheckDigit(const std::string& first10) {
  static const int w[] = {1, 3, 7, 9, 1, 3, 7, 9, 1, 3};
  int sum = 0;
  for (int i = 0; i < 10; ++i) sum += (first10[static_cast<size_t>(i)] - '0') * w[i];
  return first10 + static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string MakePesel(uint64_t& s, bool valid) {
  int year = 1850 + Uniform(s, 240);  // 1850..2089: three century encodings
  int month = 1 + Uniform(s, 12);
  int day = 1 + Uniform(s, Days(year, month));
  int enc = month + (year >= 2000 ? 20 : year < 1900 ? 80 : 0);
  bool bad_date = !valid && Uniform(s, 2);
  if (bad_date) {
    day = Days(year, month) + 1 + Uniform(s, 2);  // 30/31 February, 32 January…
    if (day > 99) day = 99;
  }
  char head[16];
  std::snprintf(head, sizeof head, "%02d%02d%02d", year % 100, enc, day);
  std::string p = PeselWithCheckDigit(head + Digits(s, 4));
  if (!valid && !bad_date) p.back() = static_cast<char>('0' + (p.back() - '0' + 1 + Uniform(s, 9)) % 10);
  return p;
}

int Mod97(const std::string& iban) {
  std::string r = iban.substr(4) + iban.substr(0, 4);
  int m = 0;
  for (char c : r) {
    if (c >= '0' && c <= '9') {
      m = (m * 10 + (c - '0')) % 97;
    } else {
      m = (m * 100 + (c - 'A' + 10)) % 97;
    }
  }
  return m;
}

std::string IbanWithCheckDigits(const std::string& country, const std::string& bban) {
  int m = Mod97(country + "00" + bban);
  int cd = 98 - m;
  return country + (cd < 10 ? "0" : "") + std::to_string(cd) + bban;
}

std::string PrintedIban(const std::string& e) {
  std::string out;
  for (size_t i = 0; i < e.size(); ++i) {
    if (i && i % 4 == 0) out.push_back(' ');
    out.push_back(e[i]);
  }
  return out;
}

Result Generate(const Options& opt, const std::string& out_dir) {
  namespace fs = std::filesystem;
  if (MB_CUR_MAX == 1) throw std::runtime_error("the corpus generator needs a UTF-8 locale (LC_CTYPE=C.UTF-8)");
  const fs::path snap_dir = fs::path(out_dir) / "snapshots";
  fs::create_directories(snap_dir);
  Generator gen(opt);
  Result result;
  result.subjects = gen.subjects();
  std::ofstream truth(fs::path(out_dir) / "ground_truth.jsonl", std::ios::binary);
  if (!truth) throw std::runtime_error("cannot write ground truth in " + out_dir);

  for (int snap = 0; snap < opt.snapshots; ++snap) {
    std::vector<std::unique_ptr<ArchiveWriter>> writers;
    std::vector<std::string> names;
    for (const std::string& f : opt.formats) {
      WriterSpec spec = SpecFor(f);
      auto w = std::make_unique<ArchiveWriter>();
      char base[32];
      std::snprintf(base, sizeof base, "snap-%03d", snap);
      names.push_back(std::string(base) + spec.ext);
      w->path = fs::absolute(snap_dir / names.back()).string();
      w->Check(archive_write_set_format(w->a, spec.format), "format");
      if (spec.filter != ARCHIVE_FILTER_NONE) w->Check(archive_write_add_filter(w->a, spec.filter), "filter");
      w->Check(archive_write_open_filename(w->a, w->path.c_str()), "open");
      writers.push_back(std::move(w));
    }
    std::string path;
    EntryBuilder b;
    uint64_t written = 0;
    std::string first_path;
    // Writes one entry to every format (a bare compressed file takes only the first) and its
    // planted occurrences to the ground truth.
    auto emit = [&](const SpecialEntry& se, const std::vector<Planted>& all, bool first) {
      for (size_t i = 0; i < writers.size(); ++i) {
        ArchiveWriter& w = *writers[i];
        const std::string& f = opt.formats[i];
        bool raw = f == "gz";
        if (raw && !first) continue;  // a bare compressed file holds one stream
        if (se.type != AE_IFREG && (raw || (se.type == AE_IFLNK && f == "7z"))) continue;
        if (!se.hardlink.empty() && f.find("tar") == std::string::npos) continue;
        archive_entry* e = archive_entry_new();
        std::string entry_name = raw ? names[i].substr(0, names[i].size() - 3) : se.path;
        archive_entry_set_pathname_utf8(e, entry_name.c_str());
        archive_entry_set_filetype(e, se.type);
        archive_entry_set_perm(e, se.type == AE_IFDIR ? 0750 : 0640);
        archive_entry_set_size(e, se.type == AE_IFREG && se.hardlink.empty() ? static_cast<la_int64_t>(se.data->size()) : 0);
        if (se.type == AE_IFLNK) archive_entry_set_symlink(e, se.link.c_str());
        if (!se.hardlink.empty()) archive_entry_set_hardlink(e, se.hardlink.c_str());
        archive_entry_set_mtime(e, 1764000000 + static_cast<time_t>(written % 100000), 0);
        archive_entry_set_uid(e, 1000);
        archive_entry_set_gid(e, 1000);
        archive_entry_set_uname(e, "backup");
        archive_entry_set_gname(e, "backup");
        w.Check(archive_write_header(w.a, e), "header");
        archive_entry_free(e);
        if (se.type == AE_IFREG && se.hardlink.empty() && !se.data->empty() &&
            archive_write_data(w.a, se.data->data(), se.data->size()) != static_cast<la_ssize_t>(se.data->size()))
          w.Check(ARCHIVE_FATAL, "data");
        for (const Planted& p : all) {
          if (raw && p.field == "name") continue;
          json j = {{"snapshot", names[i]}, {"entry", raw ? std::vector<std::string>{entry_name} : p.entry},
                    {"field", p.field},     {"offset", p.offset},
                    {"length", p.length},   {"detector", p.detector},
                    {"value", p.value},     {"subject", p.subject}};
          truth << j.dump() << "\n";
          ++result.planted;
        }
      }
    };
    auto name_occurrence = [](const std::string& entry, size_t offset, const std::string& written_form,
                              const std::string& detector, const std::string& value, int subject) {
      Planted p;
      p.entry = {entry};
      p.field = "name";
      p.offset = offset;
      p.length = static_cast<uint32_t>(written_form.size());
      p.detector = detector;
      p.value = value;
      p.subject = subject;
      return p;
    };
    for (int serial = 0; written < opt.bytes; ++serial) {
      gen.NextEntry(serial + snap * 100000, path, b);
      written += b.data.size();
      std::vector<Planted> all = b.planted;
      for (Planted& p : all) p.entry = {path};
      if (gen.name_subject() >= 0) {
        const Subject& s = result.subjects[static_cast<size_t>(gen.name_subject())];
        all.push_back(name_occurrence(path, path.find(s.pesel), s.pesel, "pesel", s.pesel, s.id));
      }
      if (serial == 0) first_path = path;
      emit(SpecialEntry{path, AE_IFREG, &b.data, "", ""}, all, serial == 0);
    }
    // Containers inside the snapshot, with identifiers at every depth: a tar.gz holding a zip
    // holding a text file, a rotated .log.gz, a Word document, a UTF-16 export.
    {
      const Subject& s = result.subjects[static_cast<size_t>(snap + 1) % result.subjects.size()];
      const std::string lower = Lower(s.email);
      auto at = [](const std::vector<std::string>& entry, const EntryBuilder& b) {
        std::vector<Planted> v = b.planted;
        for (Planted& p : v) p.entry = entry;
        return v;
      };
      // Depth 3: old.tar.gz > dane/klienci.zip > klienci.csv
      EntryBuilder csv;
      csv.Add("imie;pesel;email\n" + s.name + ";");
      csv.Plant(s.pesel, "pesel", s.pesel, s.id);
      csv.Add(";");
      csv.Plant(s.email, "email", lower, s.id);
      csv.Add("\n");
      std::string zip = Pack(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, {{"klienci.csv", csv.data}});
      EntryBuilder note;
      note.Add("Przelew na konto ");
      note.Plant(PrintedIban(s.iban), "iban", s.iban, s.id);
      note.Add(" zlecony.\n");
      std::string targz = Pack(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP,
                               {{"dane/klienci.zip", zip}, {"dane/notatka.txt", note.data}});
      std::vector<Planted> all = at({"backup/old.tar.gz", "dane/klienci.zip", "klienci.csv"}, csv);
      for (auto& p : at({"backup/old.tar.gz", "dane/notatka.txt"}, note)) all.push_back(p);
      emit(SpecialEntry{"backup/old.tar.gz", AE_IFREG, &targz, "", ""}, all, false);
      // A rotated log: logs/app.log.gz > logs/app.log
      EntryBuilder log;
      log.Add("2026-11-25T10:00:00Z INFO login user=");
      log.Plant(s.email, "email", lower, s.id);
      log.Add(" ok\n");
      std::string gz = Pack(ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, {{"app.log", log.data}});
      emit(SpecialEntry{"logs/app.log.gz", AE_IFREG, &gz, "", ""}, at({"logs/app.log.gz", "logs/app.log"}, log), false);
      // A Word document: the identifier inside one text node.
      EntryBuilder xml;
      xml.Add("<?xml version=\"1.0\"?><w:document><w:body><w:p><w:r><w:t>PESEL: ");
      xml.Plant(s.pesel, "pesel", s.pesel, s.id);
      xml.Add("</w:t></w:r></w:p></w:body></w:document>");
      std::string docx = Pack(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE,
                              {{"[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>"}, {"word/document.xml", xml.data}});
      emit(SpecialEntry{"dokumenty/umowa.docx", AE_IFREG, &docx, "", ""},
           at({"dokumenty/umowa.docx", "word/document.xml"}, xml), false);
      // A Windows export in UTF-16LE with a BOM: offsets and lengths in its own bytes.
      std::string text = "Eksport;PESEL;" + s.pesel + ";mail;" + s.email + "\r\n";
      std::string u16 = Utf16Le(text);
      std::vector<Planted> u;
      for (auto [needle, det, value] : {std::tuple{s.pesel, "pesel", s.pesel}, std::tuple{s.email, "email", lower}}) {
        Planted p;
        p.entry = {"windows/eksport_utf16.txt"};
        p.field = "content";
        p.offset = 2 + 2 * text.find(needle);
        p.length = static_cast<uint32_t>(2 * needle.size());
        p.detector = det;
        p.value = value;
        p.subject = s.id;
        u.push_back(p);
      }
      emit(SpecialEntry{"windows/eksport_utf16.txt", AE_IFREG, &u16, "", ""}, u, false);
    }
    // Entries of every other kind: a folder named after an e-mail address and what is below
    // it (a file, a symlink), a hard link, a long pax name, a non-ASCII name.
    {
      const Subject& s = result.subjects[static_cast<size_t>(snap) % result.subjects.size()];
      const std::string dir = "users/" + s.email + "/";
      const std::string lower = Lower(s.email);
      std::string none;
      emit(SpecialEntry{dir, AE_IFDIR, &none, "", ""}, {name_occurrence(dir, 6, s.email, "email", lower, s.id)}, false);
      EntryBuilder pb;
      pb.Add("Profil: " + s.name + "\nPESEL: ");
      pb.Plant(s.pesel, "pesel", s.pesel, s.id);
      pb.Add("\n");
      std::vector<Planted> all = pb.planted;
      for (Planted& p : all) p.entry = {dir + "profile.txt"};
      all.push_back(name_occurrence(dir + "profile.txt", 6, s.email, "email", lower, s.id));
      emit(SpecialEntry{dir + "profile.txt", AE_IFREG, &pb.data, "", ""}, all, false);
      emit(SpecialEntry{dir + "latest", AE_IFLNK, &none, "profile.txt", ""},
           {name_occurrence(dir + "latest", 6, s.email, "email", lower, s.id)}, false);
      emit(SpecialEntry{"export/latest.csv", AE_IFREG, &none, "", first_path}, {}, false);
      std::string long_name = "archiwum/";
      for (int i = 0; i < 6; ++i) long_name += "bardzo_dluga_nazwa_katalogu_" + std::to_string(i) + "/";
      long_name += "raport_roczny.txt";
      EntryBuilder lb;
      lb.Add("Konto do zwrotu: ");
      lb.Plant(PrintedIban(s.iban), "iban", s.iban, s.id);
      lb.Add("\n");
      all = lb.planted;
      for (Planted& p : all) p.entry = {long_name};
      emit(SpecialEntry{long_name, AE_IFREG, &lb.data, "", ""}, all, false);
      EntryBuilder nb;
      nb.Add("Zażółć gęślą jaźń — kontakt: ");
      nb.Plant(s.email, "email", lower, s.id);
      nb.Add("\n");
      all = nb.planted;
      const std::string pl_name = "dokumenty/zażółć gęślą jaźń.txt";
      for (Planted& p : all) p.entry = {pl_name};
      emit(SpecialEntry{pl_name, AE_IFREG, &nb.data, "", ""}, all, false);
    }
    result.decoded_bytes += written;
    for (auto& w : writers) {
      w->Check(archive_write_close(w->a), "close");
      result.snapshot_files.push_back(w->path);
    }
  }
  json subjects = json::array();
  for (const Subject& s : result.subjects)
    subjects.push_back({{"subject", s.id}, {"name", s.name}, {"pesel", s.pesel}, {"email", s.email}, {"iban", s.iban}});
  std::ofstream(fs::path(out_dir) / "subjects.json") << subjects.dump(2) << "\n";
  if (!truth.flush()) throw std::runtime_error("cannot write ground truth in " + out_dir);
  return result;
}

}  // namespace rodo::corpus
