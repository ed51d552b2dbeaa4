// Threads, version and build diagnostics, CUDA device queries.
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <dlfcn.h>
#include <link.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "cpu_flash_attention.h"
#include "diffusion_torch/dt_runtime.h"
#include "internal.h"

#ifdef DT_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace {

// With the OpenMP backend the intra-op thread count is per calling thread (an OpenMP ICV), so a
// setting made on one .NET thread would not reach ops issued from another. Each thread therefore
// re-applies the process-wide setting (at::init_num_threads) whenever it changed.
std::atomic<int64_t> g_thread_setting_generation{0};
thread_local int64_t t_thread_setting_generation = -1;

// Resolved at run time so the shim works whether or not the loaded BLAS is OpenBLAS.
template <class Fn>
Fn find_symbol(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

int collect_library(struct dl_phdr_info* info, size_t, void* data) {
  auto* out = static_cast<std::vector<std::string>*>(data);
  if (info->dlpi_name == nullptr || info->dlpi_name[0] == '\0') return 0;
  std::string path = info->dlpi_name;
  const auto base = path.substr(path.find_last_of('/') + 1);
  if (base.find("blas") != std::string::npos || base.find("lapack") != std::string::npos ||
      base.find("mkl") != std::string::npos || base.find("omp") != std::string::npos) {
    char resolved[PATH_MAX];
    if (realpath(path.c_str(), resolved) != nullptr && std::strcmp(resolved, path.c_str()) != 0)
      path += " -> " + std::string(resolved);
    out->push_back(path);
  }
  return 0;
}

std::string build_info() {
  std::ostringstream s;
  s << "diffusion_torch built against libtorch " << TORCH_VERSION_MAJOR << "." << TORCH_VERSION_MINOR << "."
    << TORCH_VERSION_PATCH;
#ifdef DT_WITH_CUDA
  s << " with CUDA support\n";
#else
  s << " (CPU only)\n";
#endif
  s << "scaled_dot_product_attention: "
    << ((TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)) ? "at::scaled_dot_product_attention"
                                                                                           : "fused CPU kernel (" + dt::cpu_flash_attention_isa() +
                                                                                                 ") on CPU, math (baddbmm/softmax/bmm) elsewhere")
    << "\n\n";
  std::vector<std::string> libraries;
  dl_iterate_phdr(collect_library, &libraries);
  s << "Loaded BLAS/LAPACK/OpenMP libraries:\n";
  for (const auto& l : libraries) s << "  " << l << "\n";
  if (auto config = find_symbol<char* (*)()>("openblas_get_config")) {
    s << "OpenBLAS: " << config();
    if (auto parallel = find_symbol<int (*)()>("openblas_get_parallel")) {
      const int mode = parallel();
      s << ", parallel=" << (mode == 0 ? "sequential" : mode == 1 ? "pthread" : mode == 2 ? "openmp" : "unknown");
    }
    if (auto threads = find_symbol<int (*)()>("openblas_get_num_threads")) s << ", threads=" << threads();
    s << "\n";
  } else {
    s << "OpenBLAS: not loaded\n";
  }
  s << "\n" << at::get_parallel_info() << "\n" << at::show_config();
  return s.str();
}

}  // namespace

void dt::sync_thread_settings() {
  const auto generation = g_thread_setting_generation.load(std::memory_order_acquire);
  if (t_thread_setting_generation != generation) {
    at::init_num_threads();
    t_thread_setting_generation = generation;
  }
}

DT_EXPORT dt_status dt_set_num_threads(int32_t n) {
  return dt::guard([&] {
    if (n < 1) throw dt::InvalidArgument("thread count must be at least 1, got " + std::to_string(n));
    at::set_num_threads(n);
    // Debian's libtorch does not know its BLAS is OpenBLAS, so it never sizes OpenBLAS's own pool.
    if (auto set_blas_threads = find_symbol<void (*)(int)>("openblas_set_num_threads")) set_blas_threads(n);
    g_thread_setting_generation.fetch_add(1, std::memory_order_acq_rel);
  });
}

DT_EXPORT dt_status dt_get_num_threads(int32_t* out) {
  return dt::guard([&] {
    dt::require_out(out, "out");
    *out = at::get_num_threads();
  });
}

DT_EXPORT dt_status dt_version(int32_t* major, int32_t* minor, int32_t* patch) {
  return dt::guard([&] {
    dt::require_out(major, "major");
    dt::require_out(minor, "minor");
    dt::require_out(patch, "patch");
    *major = TORCH_VERSION_MAJOR;
    *minor = TORCH_VERSION_MINOR;
    *patch = TORCH_VERSION_PATCH;
  });
}

DT_EXPORT dt_status dt_build_info(char* buf, int64_t len, int64_t* needed) {
  return dt::guard([&] {
    const auto text = build_info();
    if (needed != nullptr) *needed = static_cast<int64_t>(text.size());
    if (buf != nullptr && len > 0) {
      const auto n = std::min<int64_t>(static_cast<int64_t>(text.size()), len - 1);
      std::memcpy(buf, text.data(), static_cast<size_t>(n));
      buf[n] = '\0';
    }
  });
}

DT_EXPORT dt_status dt_cuda_is_available(int32_t* out) {
  return dt::guard([&] {
    dt::require_out(out, "out");
    *out = torch::cuda::is_available() ? 1 : 0;
  });
}

DT_EXPORT dt_status dt_cuda_device_count(int32_t* out) {
  return dt::guard([&] {
    dt::require_out(out, "out");
    *out = static_cast<int32_t>(torch::cuda::device_count());
  });
}

DT_EXPORT dt_status dt_cuda_synchronize(int32_t device_index) {
  return dt::guard([&] { torch::cuda::synchronize(device_index); });
}

DT_EXPORT dt_status dt_cuda_memory_stats(int32_t device_index, int64_t* allocated, int64_t* reserved,
                                         int64_t* peak_allocated) {
  return dt::guard([&] {
    dt::require_out(allocated, "allocated");
    dt::require_out(reserved, "reserved");
    dt::require_out(peak_allocated, "peak_allocated");
#ifdef DT_WITH_CUDA
    const auto device = device_index < 0 ? c10::cuda::current_device() : static_cast<c10::DeviceIndex>(device_index);
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device);
    // Index 0 is StatType::AGGREGATE (all pool kinds); the enum's namespace moved between versions.
    *allocated = stats.allocated_bytes[0].current;
    *reserved = stats.reserved_bytes[0].current;
    *peak_allocated = stats.allocated_bytes[0].peak;
#else
    (void)device_index;
    throw dt::InvalidArgument("CUDA memory statistics: this libdiffusion_torch was built without CUDA");
#endif
  });
}

DT_EXPORT dt_status dt_cuda_empty_cache(void) {
  return dt::guard([&] {
#ifdef DT_WITH_CUDA
    c10::cuda::CUDACachingAllocator::emptyCache();
#endif
  });
}
