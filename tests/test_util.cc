#include "tests/test_util.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <clocale>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>

namespace rodo::testing {
namespace {
// libarchive converts entry names through the C library's locale; rodo runs in C.UTF-8
// (cli/main.cc sets it), and so do the tests.
const bool kUtf8Locale = std::setlocale(LC_CTYPE, "C.UTF-8") != nullptr;
}  // namespace

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

Running SpawnRodo(const std::vector<std::string>& args, const std::string& io_dir) {
  std::string in_path = io_dir + "/stdin", out_path = io_dir + "/stdout", err_path = io_dir + "/stderr";
  if (!std::filesystem::exists(in_path)) std::ofstream(in_path, std::ios::binary).flush();
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
  return Running{pid, io_dir};
}

CommandResult Wait(const Running& r) {
  int status = 0;
  struct rusage ru {};
  ::wait4(r.pid, &status, 0, &ru);
  CommandResult c;
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  c.out = ReadFile(r.io_dir + "/stdout");
  c.err = ReadFile(r.io_dir + "/stderr");
  c.max_rss_kib = ru.ru_maxrss;
  return c;
}

CommandResult RunRodo(const std::vector<std::string>& args, const std::string& input) {
  TempDir io;
  std::ofstream(io / "stdin", std::ios::binary) << input;
  return Wait(SpawnRodo(args, io.path().string()));
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
