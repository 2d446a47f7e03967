// The `rodo` command: see ../shared/CONTRACT.md for every flag, output and exit code.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <clocale>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "engine/entry_walker.h"
#include "engine/erase.h"
#include "engine/index.h"
#include "engine/scan.h"
#include "scanners/detector.h"
#include "scanners/stream_scanner.h"

namespace {

using json = nlohmann::ordered_json;
using rodo::DetectorKind;

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitPartial = 2;

struct Globals {
  std::string index;
  std::string key_file;

  std::string IndexPath() const {
    if (!index.empty()) return index;
    if (const char* env = std::getenv("RODO_INDEX"); env && *env) return env;
    return "rodo.db";
  }
  std::string KeyPath() const { return key_file.empty() ? IndexPath() + ".key" : key_file; }
};

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void Fail(const std::string& msg) { std::cerr << "rodo: " << msg << "\n"; }

// ---- detect -------------------------------------------------------------------------------

struct DetectArgs {
  bool json = false;
  bool show_values = false;
  std::vector<std::string> files;
};

int RunDetect(const DetectArgs& args) {
  rodo::DetectorSet detectors;
  rodo::StreamScanner scanner(detectors);
  std::vector<rodo::Hit> hits;
  std::vector<std::string> values;
  std::vector<char> buf(1 << 20);
  int rc = kExitOk;
  std::vector<std::string> files = args.files.empty() ? std::vector<std::string>{"-"} : args.files;
  for (const std::string& name : files) {
    std::FILE* f = name == "-" ? stdin : std::fopen(name.c_str(), "rb");
    if (!f) {
      Fail("cannot read " + name + ": " + std::strerror(errno));
      rc = 1;
      continue;
    }
    auto flush = [&] {
      for (size_t i = 0; i < hits.size(); ++i) {
        const rodo::Hit& h = hits[i];
        const std::string& value = values[i];
        std::string masked = rodo::MaskValue(h.kind, value);
        if (args.json) {
          json j = {{"file", name}, {"offset", h.offset}, {"length", h.length},
                    {"detector", rodo::DetectorName(h.kind)}, {"masked", masked}};
          if (args.show_values) j["value"] = value;
          std::cout << Dump(j) << "\n";
        } else {
          std::cout << name << "\t" << h.offset << "\t" << h.length << "\t" << rodo::DetectorName(h.kind)
                    << "\t" << masked;
          if (args.show_values) std::cout << "\t" << value;
          std::cout << "\n";
        }
      }
      hits.clear();
      values.clear();
    };
    bool read_error = false;
    while (true) {
      size_t n = std::fread(buf.data(), 1, buf.size(), f);
      if (n > 0) scanner.Feed({buf.data(), n}, hits, &values);
      flush();
      if (n < buf.size()) {
        read_error = std::ferror(f);
        break;
      }
    }
    scanner.Finish(hits, &values);
    flush();
    if (read_error) {
      Fail("error reading " + name);
      rc = 1;
    }
    if (f != stdin) std::fclose(f);
  }
  return rc;
}

// ---- scan ---------------------------------------------------------------------------------

struct ScanArgs {
  rodo::WalkLimits limits;
  int jobs = 0;
  bool json = false;
  bool full = false;
  std::vector<std::string> paths;
};

std::string HumanBytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) b /= 1000, ++u;
  char s[32];
  std::snprintf(s, sizeof s, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return s;
}

std::unique_ptr<rodo::Index> OpenIndex(const Globals& g) {
  auto idx = rodo::Index::Open(g.IndexPath(), g.KeyPath());
  if (!idx.ok()) {
    Fail(idx.status().message());
    return nullptr;
  }
  return std::move(idx.value());
}

std::string Absolute(const std::string& p) {
  std::error_code ec;
  return std::filesystem::absolute(p, ec).lexically_normal().string();
}

int RunScan(const Globals& g, const ScanArgs& args) {
  auto index = OpenIndex(g);
  if (!index) return kExitUsage;
  rodo::ScanOptions opt;
  opt.jobs = args.jobs;
  opt.full = args.full;
  opt.limits = args.limits;
  std::string ip = Absolute(g.IndexPath());
  opt.exclude = {ip, ip + "-wal", ip + "-shm", ip + "-journal", Absolute(g.KeyPath())};
  std::vector<std::string> missing;
  auto snapshots = rodo::FindSnapshots(args.paths, opt.exclude, &missing);

  const bool tty = ::isatty(STDERR_FILENO);
  auto t0 = std::chrono::steady_clock::now();
  auto last_draw = t0;
  size_t scanned = 0, unchanged = 0, errors = 0;
  uint64_t bytes = 0;
  auto clear_progress = [&] {
    if (tty) std::cerr << "\r\033[K" << std::flush;
  };
  auto report = [&](const rodo::SnapshotResult& r) {
    clear_progress();
    json j = {{"snapshot", r.path}};
    switch (r.outcome) {
      case rodo::SnapshotResult::Outcome::kScanned: {
        ++scanned;
        bytes += r.bytes;
        json f = json::object();
        for (int k = 0; k < rodo::kDetectorCount; ++k)
          f[std::string(rodo::DetectorName(static_cast<DetectorKind>(k)))] = r.findings[k];
        j["status"] = "scanned";
        j["entries"] = r.entries;
        j["bytes"] = r.bytes;
        j["findings"] = f;
        j["seconds"] = std::round(r.seconds * 1000) / 1000;
        if (!r.warnings.empty()) j["warnings"] = r.warnings;
        if (!args.json) {
          std::cout << "scanned    " << r.path << "  " << r.entries << " entries, " << HumanBytes(r.bytes)
                    << ", " << r.findings[0] << " pesel, " << r.findings[1] << " email, " << r.findings[2]
                    << " iban (" << j["seconds"].get<double>() << " s)\n";
          for (const auto& w : r.warnings) std::cout << "  warning: " << w << "\n";
        }
        break;
      }
      case rodo::SnapshotResult::Outcome::kUnchanged:
        ++unchanged;
        j["status"] = "unchanged";
        if (!args.json) std::cout << "unchanged  " << r.path << "\n";
        break;
      case rodo::SnapshotResult::Outcome::kError:
        ++errors;
        j["status"] = "error";
        j["error"] = r.error;
        if (!args.json) std::cout << "ERROR      " << r.path << ": " << r.error << "\n";
        break;
    }
    if (args.json) std::cout << Dump(j) << "\n";
    std::cout << std::flush;
  };
  for (const auto& m : missing) {
    rodo::SnapshotResult r;
    r.path = m;
    r.outcome = rodo::SnapshotResult::Outcome::kError;
    r.error = "no such file or folder";
    report(r);
  }
  rodo::ScanCallbacks cb;
  cb.on_result = report;
  if (tty) {
    cb.on_progress = [&](const rodo::ScanProgress& p) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_draw < std::chrono::milliseconds(250)) return;
      last_draw = now;
      double secs = std::chrono::duration<double>(now - t0).count();
      double rate = secs > 0 ? p.decoded / secs : 0;
      double in_rate = secs > 0 ? p.input_done / secs : 0;
      std::string eta = "?";
      if (in_rate > 0 && p.input_total >= p.input_done)
        eta = std::to_string(static_cast<long>((p.input_total - p.input_done) / in_rate)) + "s";
      std::cerr << "\r\033[K[" << p.snapshots_done << "/" << p.snapshots_total << " snapshots] "
                << HumanBytes(p.decoded) << " scanned, " << HumanBytes(rate) << "/s, ETA " << eta << std::flush;
    };
  }
  rodo::Status s = rodo::ScanSnapshots(snapshots, *index, opt, cb);
  clear_progress();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!s.ok()) {
    Fail(s.message());
    return kExitUsage;
  }
  size_t total = scanned + unchanged + errors;
  if (args.json) {
    json sum = {{"snapshots", total}, {"scanned", scanned}, {"unchanged", unchanged}, {"errors", errors},
                {"bytes", bytes},     {"seconds", std::round(secs * 1000) / 1000}};
    std::cout << Dump(json{{"summary", sum}}) << "\n";
  } else {
    std::cout << total << " snapshots: " << scanned << " scanned, " << unchanged << " unchanged, " << errors
              << " errors; " << HumanBytes(bytes) << " in " << std::round(secs * 100) / 100 << " s ("
              << HumanBytes(secs > 0 ? bytes / secs : 0) << "/s)\n";
  }
  return errors ? kExitPartial : kExitOk;
}

// ---- identifiers given on the command line ------------------------------------------------

struct IdentifierArgs {
  std::vector<std::string> pesel, email, iban;
  bool empty() const { return pesel.empty() && email.empty() && iban.empty(); }
};

void AddIdentifierOptions(CLI::App* cmd, IdentifierArgs& ids) {
  cmd->add_option("--pesel", ids.pesel, "A PESEL (11 digits)")->take_all()->allow_extra_args(false);
  cmd->add_option("--email", ids.email, "An e-mail address")->allow_extra_args(false);
  cmd->add_option("--iban", ids.iban, "An IBAN or Polish NRB, electronic or printed")->allow_extra_args(false);
}

// Normalises every value; false (after a clear message) when one is malformed.
bool NormaliseIdentifiers(const IdentifierArgs& args, std::vector<rodo::Identifier>& out) {
  rodo::DetectorSet d;
  struct {
    DetectorKind kind;
    const std::vector<std::string>& values;
    const char* what;
  } groups[] = {{DetectorKind::kPesel, args.pesel, "PESEL"},
                {DetectorKind::kEmail, args.email, "e-mail address"},
                {DetectorKind::kIban, args.iban, "IBAN or NRB"}};
  for (const auto& g : groups) {
    for (const std::string& v : g.values) {
      auto n = d.Get(g.kind).Normalise(v);
      if (!n) {
        Fail(std::string("not a valid ") + g.what + ": '" + v + "'");
        return false;
      }
      out.push_back({g.kind, *n});
    }
  }
  return true;
}

// ---- locate -------------------------------------------------------------------------------

int RunLocate(const Globals& g, const IdentifierArgs& ids, bool as_json) {
  if (ids.empty()) {
    Fail("locate needs at least one --pesel, --email or --iban");
    return kExitUsage;
  }
  std::vector<rodo::Identifier> values;
  if (!NormaliseIdentifiers(ids, values)) return kExitUsage;
  auto index = OpenIndex(g);
  if (!index) return kExitUsage;
  size_t n = 0;
  rodo::Status s = index->Locate(values, [&](const rodo::LocatedOccurrence& o) {
    ++n;
    const char* field = o.field == rodo::Field::kName ? "name" : "content";
    if (as_json) {
      json j = {{"snapshot", o.snapshot},   {"entry", json::parse(o.entry_json)}, {"field", field},
                {"offset", o.offset},       {"length", o.length},
                {"detector", rodo::DetectorName(o.detector)}};
      std::cout << Dump(j) << "\n";
    } else {
      if (n == 1) std::cout << "DETECTOR  MASKED                FIELD    OFFSET      LENGTH  SNAPSHOT :: ENTRY\n";
      char line[128];
      std::snprintf(line, sizeof line, "%-9s %-21s %-8s %-11llu %-7u ", std::string(rodo::DetectorName(o.detector)).c_str(),
                    o.masked.c_str(), field, static_cast<unsigned long long>(o.offset), o.length);
      // Names are printed with control characters escaped (hostile names cannot drive the terminal).
      std::cout << line << rodo::DisplayPath({o.snapshot}) << " :: "
                << rodo::DisplayPath(json::parse(o.entry_json).get<std::vector<std::string>>()) << "\n";
    }
  });
  if (!s.ok()) {
    Fail(s.message());
    return kExitUsage;
  }
  if (!as_json) std::cout << n << " occurrence" << (n == 1 ? "" : "s") << " found\n";
  return kExitOk;
}

// ---- erase / requests ---------------------------------------------------------------------

struct EraseArgs {
  std::string request;
  IdentifierArgs ids;
  std::string mode;
  bool dry_run = false;
  std::string report;
  bool json = false;
};

void PrintCertificate(const json& r) {
  std::cout << "Request " << r.value("request", "") << ": " << r.value("status", "") << " (mode "
            << r.value("mode", "") << ")\n";
  std::cout << "Subject:";
  for (const auto& i : r["identifiers"]) std::cout << "  " << i.value("detector", "") << " " << i.value("masked", "");
  std::cout << "\n";
  for (const auto& s : r["snapshots"]) {
    std::string action = s.value("action", "?");
    std::cout << "  " << action << std::string(action.size() < 10 ? 10 - action.size() : 1, ' ') << " "
              << s.value("snapshot", "");
    if (s.contains("occurrences")) std::cout << "  (" << s["occurrences"].get<uint64_t>() << " occurrences)";
    if (s.contains("error")) std::cout << "  " << s.value("error", "");
    std::cout << "\n";
    if (s.contains("sha256_after") && action == "rewritten")
      std::cout << "             sha256 " << s.value("sha256_before", "").substr(0, 16) << "… -> "
                << s.value("sha256_after", "").substr(0, 16) << "…  verified: "
                << (s.value("verified", false) ? "yes" : "no") << "\n";
  }
  if (r["snapshots"].empty()) std::cout << "  (no indexed snapshot holds this subject)\n";
  if (r.contains("started_at"))
    std::cout << "Started " << r.value("started_at", "") << ", finished " << r.value("finished_at", "") << "\n";
}

int RunErase(const Globals& g, const EraseArgs& args) {
  rodo::EraseRequest req;
  req.id = args.request;
  req.dry_run = args.dry_run;
  if (args.mode == "drop") req.mode = rodo::EraseMode::kDrop;
  if (args.mode == "redact") req.mode = rodo::EraseMode::kRedact;
  if (!NormaliseIdentifiers(args.ids, req.identifiers)) return kExitUsage;
  // One erase at a time per index: two runs would rewrite the same snapshots at once.
  const std::string lock_path = g.IndexPath() + ".erase.lock";
  int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    Fail("another erase is running on the index " + g.IndexPath() + " (" + lock_path + " is locked)");
    if (lock_fd >= 0) ::close(lock_fd);
    return kExitUsage;
  }
  auto index = OpenIndex(g);
  if (!index) return kExitUsage;
  auto log = [&](const std::string& m) {
    if (!args.json) std::cerr << m << "\n";
  };
  rodo::EraseResult r = rodo::RunErase(*index, req, log);
  if (r.usage_error) {
    Fail(r.error);
    return kExitUsage;
  }
  if (!args.report.empty() && !args.dry_run) {
    std::ofstream f(args.report, std::ios::binary | std::ios::trunc);
    f << r.report.dump(2) << "\n";
    if (!f.flush()) {
      Fail("cannot write the report to " + args.report);
      return kExitPartial;
    }
  }
  if (args.json) {
    std::cout << Dump(r.report) << "\n";
  } else {
    PrintCertificate(r.report);
  }
  std::string status = r.report.value("status", "");
  return status == "completed" || status == "dry-run" ? kExitOk : kExitPartial;
}

int RunRequests(const Globals& g, bool as_json) {
  auto index = OpenIndex(g);
  if (!index) return kExitUsage;
  for (const auto& r : index->ListRequests()) {
    json rep = json::parse(r.report_json);
    json j = {{"request", r.id}, {"status", r.status}, {"mode", r.mode}, {"created_at", r.created_at},
              {"updated_at", r.updated_at}};
    if (rep.contains("finished_at")) j["finished_at"] = rep["finished_at"];
    j["snapshots"] = rep.contains("snapshots") ? rep["snapshots"].size() : 0;
    if (as_json) {
      std::cout << Dump(j) << "\n";
    } else {
      std::cout << r.id << "  " << r.status << "  " << r.mode << "  created " << r.created_at << "  updated "
                << r.updated_at << "  " << j["snapshots"].get<size_t>() << " snapshot(s)\n";
    }
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::setlocale(LC_CTYPE, "C.UTF-8");  // names in archives are UTF-8
  CLI::App app{"rodo: finds personal data (PESEL, e-mail, IBAN) in backup snapshots and erases it on request"};
  app.set_version_flag("--version", std::string("rodo ") + RODO_VERSION);
  app.require_subcommand(1);
  Globals g;
  app.add_option("--index", g.index, "Index database (default: $RODO_INDEX, else ./rodo.db)")->take_last();
  app.add_option("--key-file", g.key_file, "Key for hashing identifiers (default: INDEX.key)");

  DetectArgs detect;
  auto* cmd_detect = app.add_subcommand("detect", "Run the detectors over plain files or stdin (no archives, no index)");
  cmd_detect->add_flag("--json", detect.json, "One JSON object per hit");
  cmd_detect->add_flag("--show-values", detect.show_values, "Print normalised values too");
  cmd_detect->add_option("files", detect.files, "Files to read; - for standard input");

  ScanArgs scan;
  auto* cmd_scan = app.add_subcommand("scan", "Index every snapshot under the given paths");
  cmd_scan->add_option("--jobs", scan.jobs, "Threads (default: number of cores)")->check(CLI::PositiveNumber);
  cmd_scan->add_flag("--json", scan.json, "One JSON object per snapshot, then a summary");
  cmd_scan->add_flag("--full", scan.full, "Re-scan snapshots that did not change");
  cmd_scan->add_option("--max-depth", scan.limits.max_depth, "Containers opened inside containers (default 8)")
      ->check(CLI::Range(0, 64));
  cmd_scan->add_option("--max-ratio", scan.limits.max_ratio,
                       "Decoded/compressed ratio past which a nested container is a bomb (default 1000)")
      ->check(CLI::PositiveNumber);
  cmd_scan->add_option("--max-inner-size", scan.limits.max_inner_bytes,
                       "Decoded bytes past which a nested container is cut (default 64 GiB)")
      ->check(CLI::PositiveNumber);
  cmd_scan->add_option("paths", scan.paths, "Snapshot files or folders")->required();

  IdentifierArgs locate_ids;
  bool locate_json = false;
  auto* cmd_locate = app.add_subcommand("locate", "Every occurrence of a subject's identifiers");
  cmd_locate->add_flag("--json", locate_json, "One JSON object per occurrence");
  AddIdentifierOptions(cmd_locate, locate_ids);

  EraseArgs erase;
  auto* cmd_erase = app.add_subcommand("erase", "Carry out an erasure request (redact or drop a subject's data)");
  cmd_erase->add_option("--request", erase.request, "Erasure request ID")->required();
  AddIdentifierOptions(cmd_erase, erase.ids);
  cmd_erase->add_option("--mode", erase.mode, "redact (default): overwrite with '*'; drop: remove whole entries")
      ->check(CLI::IsMember({"redact", "drop"}));
  cmd_erase->add_flag("--dry-run", erase.dry_run, "Rewrite nothing; report what would change");
  cmd_erase->add_option("--report", erase.report, "Also write the certificate (JSON) to this file");
  cmd_erase->add_flag("--json", erase.json, "Print the certificate as JSON");

  bool requests_json = false;
  auto* cmd_requests = app.add_subcommand("requests", "List registered erasure requests");
  cmd_requests->add_flag("--json", requests_json, "One JSON object per request");

  for (auto* sub : app.get_subcommands({})) {
    sub->add_option("--index", g.index, "Index database (default: $RODO_INDEX, else ./rodo.db)");
    sub->add_option("--key-file", g.key_file, "Key for hashing identifiers (default: INDEX.key)");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  try {
    if (cmd_detect->parsed()) return RunDetect(detect);
    if (cmd_scan->parsed()) return RunScan(g, scan);
    if (cmd_locate->parsed()) return RunLocate(g, locate_ids, locate_json);
    if (cmd_erase->parsed()) return RunErase(g, erase);
    if (cmd_requests->parsed()) return RunRequests(g, requests_json);
  } catch (const std::exception& e) {
    Fail(e.what());
    return kExitUsage;
  }
  return kExitUsage;
}
