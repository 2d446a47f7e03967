#include "tests/test_util.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>

namespace rodo::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "rodo-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string VectorsDir() { return RODO_VECTORS_DIR; }

CommandResult RunRodo(const std::vector<std::string>& args, const std::string& input) {
  TempDir io;
  std::string in_path = io / "stdin", out_path = io / "stdout", err_path = io / "stderr";
  std::ofstream(in_path, std::ios::binary) << input;
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open(in_path.c_str(), O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> argv;
    std::string bin = RODO_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  return r;
}

std::vector<corpus::Planted> ReadGroundTruth(const std::string& out_dir) {
  std::ifstream f(out_dir + "/ground_truth.jsonl");
  std::vector<corpus::Planted> out;
  std::string line;
  while (std::getline(f, line)) {
    auto j = nlohmann::json::parse(line);
    corpus::Planted p;
    p.snapshot = j["snapshot"];
    p.entry = j["entry"].get<std::vector<std::string>>();
    p.field = j["field"];
    p.offset = j["offset"];
    p.length = j["length"];
    p.detector = j["detector"];
    p.value = j["value"];
    p.subject = j["subject"];
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace rodo::testing
