// rodo-corpus: writes a deterministic sample corpus with its ground truth.
#include <CLI/CLI.hpp>
#include <clocale>
#include <chrono>
#include <iostream>

#include "corpus/generator.h"

int main(int argc, char** argv) {
  std::setlocale(LC_CTYPE, "C.UTF-8");  // names in archives are UTF-8
  CLI::App app{"rodo-corpus: deterministic sample backup snapshots with ground truth"};
  rodo::corpus::Options o;
  std::string out = "corpus-out";
  std::string size = "4M";
  app.add_option("--seed", o.seed, "Random seed");
  app.add_option("--size", size, "Decoded bytes per snapshot (suffix K, M, G)");
  app.add_option("--snapshots", o.snapshots, "Snapshots per format");
  app.add_option("--subjects", o.subjects, "Number of synthetic subjects")->check(CLI::Range(1, 100000));
  app.add_flag("--dense", o.dense, "An identifier every ~50 bytes (default: every ~2 KB)");
  app.add_option("--formats", o.formats, "Formats: tar pax ustar gnutar tar.gz tar.bz2 tar.xz tar.zst tar.lz4 zip 7z cpio cpio.gz gz")
      ->delimiter(',');
  app.add_option("--out", out, "Output folder");
  CLI11_PARSE(app, argc, argv);
  double mult = 1;
  char suffix = size.empty() ? 0 : size.back();
  if (suffix == 'K' || suffix == 'k') mult = 1 << 10;
  if (suffix == 'M' || suffix == 'm') mult = 1 << 20;
  if (suffix == 'G' || suffix == 'g') mult = 1 << 30;
  o.bytes = static_cast<uint64_t>(std::stod(size) * mult);
  auto t0 = std::chrono::steady_clock::now();
  try {
    auto r = rodo::corpus::Generate(o, out);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cerr << "rodo-corpus: " << r.snapshot_files.size() << " snapshots, " << r.planted
              << " planted occurrences, " << r.decoded_bytes / 1e6 << " MB decoded per format, " << s << " s\n";
  } catch (const std::exception& e) {
    std::cerr << "rodo-corpus: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
