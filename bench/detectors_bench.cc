// Microbenchmarks of the detectors, alone and together, on realistic text from the corpus
// generator (sparse: an identifier every ~2 KB; dense: every ~50 bytes), and of keyed hashing.
#include <benchmark/benchmark.h>

#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "corpus/generator.h"
#include "engine/keyed_hash.h"
#include "scanners/detector.h"
#include "scanners/stream_scanner.h"

namespace {

// The decoded bytes of a generated tar (all entries concatenated), made once per density.
// RODO_BENCH_TEXT=FILE benchmarks those bytes instead (to compare with other tools on the
// very same input).
const std::string& Text(bool dense) {
  static std::string texts[2];
  std::string& t = texts[dense];
  if (!t.empty()) return t;
  if (const char* file = std::getenv("RODO_BENCH_TEXT")) {
    std::FILE* f = std::fopen(file, "rb");
    char buf[1 << 16];
    size_t n;
    while (f && (n = std::fread(buf, 1, sizeof buf, f)) > 0) t.append(buf, n);
    if (f) std::fclose(f);
    return t;
  }
  auto dir = std::filesystem::temp_directory_path() / ("rodo-bench-" + std::to_string(::getpid()));
  rodo::corpus::Options o;
  o.seed = 3;
  o.bytes = 8 << 20;
  o.dense = dense;
  o.formats = {"tar"};
  auto r = rodo::corpus::Generate(o, dir.string());
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  archive_read_open_filename(a, r.snapshot_files[0].c_str(), 1 << 20);
  archive_entry* e;
  char buf[65536];
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) t.append(buf, static_cast<size_t>(n));
  }
  archive_read_free(a);
  std::filesystem::remove_all(dir);
  return t;
}

void Run(benchmark::State& state, const rodo::Detector* one) {
  const std::string& t = Text(state.range(0) != 0);
  rodo::DetectorSet set;
  std::vector<rodo::Hit> hits;
  hits.reserve(1 << 20);
  for (auto _ : state) {
    hits.clear();
    rodo::Window w{t.data(), t.size(), 0, t.size(), 0};
    if (one) {
      one->Scan(w, hits);
    } else {
      set.Scan(w, hits);
    }
    benchmark::DoNotOptimize(hits.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * t.size()));
  state.counters["hits"] = static_cast<double>(hits.size());
}

void BM_Pesel(benchmark::State& s) {
  auto d = rodo::MakePeselDetector();
  Run(s, d.get());
}
void BM_Email(benchmark::State& s) {
  auto d = rodo::MakeEmailDetector();
  Run(s, d.get());
}
void BM_Iban(benchmark::State& s) {
  auto d = rodo::MakeIbanDetector();
  Run(s, d.get());
}
void BM_AllThree(benchmark::State& s) { Run(s, nullptr); }

// The same through the streaming scanner in 64 KiB chunks (carry-over cost included).
void BM_AllThreeStreamed(benchmark::State& state) {
  const std::string& t = Text(state.range(0) != 0);
  rodo::DetectorSet set;
  rodo::StreamScanner scanner(set);
  std::vector<rodo::Hit> hits;
  hits.reserve(1 << 20);
  for (auto _ : state) {
    hits.clear();
    for (size_t pos = 0; pos < t.size(); pos += 65536) scanner.Feed(std::string_view(t).substr(pos, 65536), hits);
    scanner.Finish(hits);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * t.size()));
}

void BM_KeyedHash(benchmark::State& state) {
  std::array<uint8_t, 32> key{};
  rodo::KeyedHasher h(key);
  for (auto _ : state) benchmark::DoNotOptimize(h.Hash(rodo::DetectorKind::kIban, "PL61109010140000071219812874"));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

}  // namespace

BENCHMARK(BM_Pesel)->Arg(0)->Arg(1)->ArgName("dense");
BENCHMARK(BM_Email)->Arg(0)->Arg(1)->ArgName("dense");
BENCHMARK(BM_Iban)->Arg(0)->Arg(1)->ArgName("dense");
BENCHMARK(BM_AllThree)->Arg(0)->Arg(1)->ArgName("dense");
BENCHMARK(BM_AllThreeStreamed)->Arg(0)->Arg(1)->ArgName("dense");
BENCHMARK(BM_KeyedHash);
BENCHMARK_MAIN();
