// `rodo erase`: carries out an erasure request in processor mode, snapshot by snapshot, with
// a certificate (report) for the controller. Crash-safe: each snapshot is either wholly old
// or wholly new, and a rerun of the same request finishes the job.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/index.h"
#include "engine/rewriter.h"
#include "engine/status.h"

namespace rodo {

struct EraseRequest {
  std::string id;
  std::vector<Identifier> identifiers;  // empty: resume a registered request
  std::optional<EraseMode> mode;        // empty: as registered (new requests: redact)
  bool dry_run = false;
};

struct EraseResult {
  nlohmann::ordered_json report;  // the certificate
  bool usage_error = false;       // true: `error` explains; nothing was done
  std::string error;
};

// Runs (or resumes, or re-reports) the request. Progress lines go to `log` when set.
EraseResult RunErase(Index& index, const EraseRequest& request,
                     const std::function<void(const std::string&)>& log = nullptr);

std::string UtcNow();

// Test hook: when the environment variable RODO_FAULT equals `point`, the process kills
// itself with SIGKILL right there (fault-injection tests of the crash guarantees).
void FaultPoint(const char* point);

}  // namespace rodo
