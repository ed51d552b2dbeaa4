/* Diffusion.Torch native shim: common C ABI types.
 *
 * Every export returns a dt_status (0 = success). On failure the message is kept per thread and
 * read with dt_last_error(). No C++ exception ever crosses this boundary.
 * Ownership: every dt_tensor written to an out-parameter is a new handle the caller must release
 * with dt_tensor_free (handles are independent references to libtorch tensors; views share storage).
 */
#ifndef DIFFUSION_TORCH_COMMON_H
#define DIFFUSION_TORCH_COMMON_H

#include <stdint.h>

#if defined(_WIN32)
#define DT_API __declspec(dllexport)
#else
#define DT_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
#define DT_EXTERN_C extern "C"
#else
#define DT_EXTERN_C
#endif

#define DT_EXPORT DT_EXTERN_C DT_API

/* Status codes returned by every export. */
typedef int32_t dt_status;
#define DT_OK 0
#define DT_ERROR_TORCH 1            /* c10::Error raised by libtorch (shape mismatch, bad dtype...) */
#define DT_ERROR_OUT_OF_MEMORY 2    /* c10::OutOfMemoryError, std::bad_alloc, or "out of memory" */
#define DT_ERROR_INVALID_ARGUMENT 3 /* rejected by the shim before reaching libtorch */
#define DT_ERROR_STD 4              /* other std::exception */
#define DT_ERROR_UNKNOWN 5          /* anything else thrown */

/* An owned reference to a libtorch tensor. */
typedef struct dt_tensor_s* dt_tensor;
/* An owned libtorch CPU random generator (at::CPUGeneratorImpl, mt19937), like torch.Generator("cpu"). */
typedef struct dt_generator_s* dt_generator;

/* Element types: the numeric values of c10::ScalarType (stable across libtorch 1.x and 2.x). */
#define DT_DTYPE_UINT8 0
#define DT_DTYPE_INT8 1
#define DT_DTYPE_INT16 2
#define DT_DTYPE_INT32 3
#define DT_DTYPE_INT64 4
#define DT_DTYPE_FLOAT16 5
#define DT_DTYPE_FLOAT32 6
#define DT_DTYPE_FLOAT64 7
#define DT_DTYPE_BOOL 11
#define DT_DTYPE_BFLOAT16 15

/* Device types: 0 = CPU, 1 = CUDA. A device index of -1 means "the current/default one". */
#define DT_DEVICE_CPU 0
#define DT_DEVICE_CUDA 1

/* Memory formats. */
#define DT_MEMORY_FORMAT_CONTIGUOUS 0
#define DT_MEMORY_FORMAT_CHANNELS_LAST 1

#endif
