// Helpers shared by the tests: temporary folders, running the `rodo` binary, ground truth.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "corpus/generator.h"

namespace rodo::testing {

// A fresh folder, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  long max_rss_kib = 0;  // peak resident set of the process
};

// Runs `build/rodo` with `args` (no shell); stdin from /dev/null unless `input` is given.
CommandResult RunRodo(const std::vector<std::string>& args, const std::string& input = "");

// Starts `build/rodo` in the background (output to files in `io_dir`); Wait collects it.
struct Running {
  int pid = -1;
  std::string io_dir;
};
Running SpawnRodo(const std::vector<std::string>& args, const std::string& io_dir);
CommandResult Wait(const Running& r);

// Reads out_dir/ground_truth.jsonl.
std::vector<corpus::Planted> ReadGroundTruth(const std::string& out_dir);

std::string ReadFile(const std::string& path);
std::string VectorsDir();

}  // namespace rodo::testing
