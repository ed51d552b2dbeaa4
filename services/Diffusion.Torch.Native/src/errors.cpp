// The per-thread last-error message and its export.
#include <algorithm>
#include <cstring>

#include "diffusion_torch/dt_errors.h"
#include "internal.h"

namespace {
// Per thread, so concurrent callers never read each other's failures.
thread_local std::string t_last_error;
}  // namespace

void dt::set_last_error(std::string message) { t_last_error = std::move(message); }

DT_EXPORT int64_t dt_last_error(char* buf, int64_t len) {
  const auto size = static_cast<int64_t>(t_last_error.size());
  if (buf != nullptr && len > 0) {
    const auto n = std::min(size, len - 1);
    std::memcpy(buf, t_last_error.data(), static_cast<size_t>(n));
    buf[n] = '\0';
  }
  return size;
}
