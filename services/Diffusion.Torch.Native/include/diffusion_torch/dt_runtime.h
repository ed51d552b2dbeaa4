/* Process-wide runtime settings and diagnostics: threads, build information, CUDA devices. */
#ifndef DIFFUSION_TORCH_RUNTIME_H
#define DIFFUSION_TORCH_RUNTIME_H

#include "dt_common.h"

/* Sets the intra-op thread count used by every later op, on every calling thread (also OpenBLAS's
 * own pool when OpenBLAS is the loaded BLAS). n >= 1. */
DT_EXPORT dt_status dt_set_num_threads(int32_t n);
/* The intra-op thread count that ops issued from this thread use. */
DT_EXPORT dt_status dt_get_num_threads(int32_t* out);

/* libtorch's version numbers (TORCH_VERSION_* of the headers the shim was compiled with). */
DT_EXPORT dt_status dt_version(int32_t* major, int32_t* minor, int32_t* patch);

/* Build and runtime description: at::show_config(), the parallel backend, the BLAS library actually
 * loaded in this process (its path and OpenBLAS's configuration when present), CUDA support.
 * Writes up to len-1 bytes plus NUL into buf; *needed receives the full length. */
DT_EXPORT dt_status dt_build_info(char* buf, int64_t len, int64_t* needed);

/* CUDA: availability and device count (0 / false on a CPU-only libtorch, never an error). */
DT_EXPORT dt_status dt_cuda_is_available(int32_t* out);
DT_EXPORT dt_status dt_cuda_device_count(int32_t* out);
/* Waits for all work queued on the device (-1 = current device). */
DT_EXPORT dt_status dt_cuda_synchronize(int32_t device_index);
/* Caching-allocator statistics of one device, in bytes. Fails (DT_ERROR_INVALID_ARGUMENT) when the
 * shim was built without CUDA. */
DT_EXPORT dt_status dt_cuda_memory_stats(int32_t device_index, int64_t* allocated, int64_t* reserved,
                                         int64_t* peak_allocated);
/* Returns cached, unused blocks of the CUDA caching allocator to the driver (no-op without CUDA). */
DT_EXPORT dt_status dt_cuda_empty_cache(void);

#endif
