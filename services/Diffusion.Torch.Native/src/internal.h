// Shared internals of the shim: the handle types, argument conversion, and the guard that turns
// every C++ exception into a status code. Not part of the C ABI.
#pragma once

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "diffusion_torch/dt_common.h"

struct dt_tensor_s {
  at::Tensor tensor;
};

namespace dt {

// Raised by the shim itself for arguments it rejects before calling libtorch.
class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Records the message of the failure being reported on this thread.
void set_last_error(std::string message);

// Applies the process-wide thread setting to the calling thread when it changed (see runtime.cpp).
void sync_thread_settings();

// Runs body with libtorch's inference mode on and converts any exception to a status code.
template <class F>
dt_status guard(F&& body) noexcept {
  try {
    sync_thread_settings();
    c10::InferenceMode inference_mode;
    body();
    return DT_OK;
  } catch (const c10::OutOfMemoryError& e) {
    set_last_error(e.what_without_backtrace());
    return DT_ERROR_OUT_OF_MEMORY;
  } catch (const c10::Error& e) {
    std::string message = e.what_without_backtrace();
    // Allocators that predate OutOfMemoryError (or CPU allocation failures) only say so in text.
    bool oom = message.find("out of memory") != std::string::npos ||
               message.find("DefaultCPUAllocator: can't allocate memory") != std::string::npos;
    set_last_error(std::move(message));
    return oom ? DT_ERROR_OUT_OF_MEMORY : DT_ERROR_TORCH;
  } catch (const std::bad_alloc& e) {
    set_last_error(std::string("out of memory: ") + e.what());
    return DT_ERROR_OUT_OF_MEMORY;
  } catch (const InvalidArgument& e) {
    set_last_error(e.what());
    return DT_ERROR_INVALID_ARGUMENT;
  } catch (const std::exception& e) {
    set_last_error(e.what());
    return DT_ERROR_STD;
  } catch (...) {
    set_last_error("unknown C++ exception");
    return DT_ERROR_UNKNOWN;
  }
}

// Handle helpers.
std::atomic<int64_t>& live_tensor_count();
dt_tensor wrap(at::Tensor tensor);
const at::Tensor& get(dt_tensor t, const char* name);
// Null handle -> undefined tensor (optional arguments such as bias).
at::Tensor optional(dt_tensor t);
void require_out(const void* out, const char* name);
void set_out(dt_tensor* out, at::Tensor tensor);

// Argument conversion.
at::ScalarType to_scalar_type(int32_t dtype);
at::Device to_device(int32_t device_type, int32_t device_index);
at::MemoryFormat to_memory_format(int32_t memory_format);
std::vector<int64_t> to_vector(const int64_t* values, int32_t count, const char* name);

}  // namespace dt
