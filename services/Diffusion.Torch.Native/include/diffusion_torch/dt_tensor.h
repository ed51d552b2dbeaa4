/* Tensor lifecycle: creation, properties, copies in and out, dtype/device conversion. */
#ifndef DIFFUSION_TORCH_TENSOR_H
#define DIFFUSION_TORCH_TENSOR_H

#include "dt_common.h"

/* Releases a handle (null is ignored). The storage is freed when no other handle or view uses it. */
DT_EXPORT void dt_tensor_free(dt_tensor t);
/* Number of tensor handles alive in the process (leak diagnostics). */
DT_EXPORT int64_t dt_tensor_live_count(void);

/* Creates a tensor of dtype dst_dtype on the given device from nbytes of host memory laid out as a
 * contiguous row-major array of src_dtype with the given shape. The source is read once (converted
 * to dst_dtype in the same pass when it differs) and never retained; it need not be aligned.
 * nbytes must equal numel * element size of src_dtype. */
DT_EXPORT dt_status dt_tensor_from_data(const void* data, int64_t nbytes, int32_t src_dtype, const int64_t* shape,
                                        int32_t ndim, int32_t dst_dtype, int32_t device_type, int32_t device_index,
                                        dt_tensor* out);

/* Overwrites dst (any dtype, device, strides) with nbytes of host memory holding a contiguous row-major
 * array of src_dtype with dst's shape, converting in the same pass: loading a weight into an existing
 * parameter reads the source exactly once. */
DT_EXPORT dt_status dt_tensor_copy_from_data(dt_tensor dst, const void* data, int64_t nbytes, int32_t src_dtype);

DT_EXPORT dt_status dt_tensor_empty(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t device_type,
                                    int32_t device_index, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_zeros(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t device_type,
                                    int32_t device_index, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_ones(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t device_type,
                                   int32_t device_index, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_full(const int64_t* shape, int32_t ndim, double value, int32_t dtype,
                                   int32_t device_type, int32_t device_index, dt_tensor* out);
/* [start, end) with step, like torch.arange. */
DT_EXPORT dt_status dt_tensor_arange(double start, double end, double step, int32_t dtype, int32_t device_type,
                                     int32_t device_index, dt_tensor* out);

DT_EXPORT dt_status dt_tensor_dim(dt_tensor t, int32_t* out);
/* Writes min(cap, dim) sizes into shape. */
DT_EXPORT dt_status dt_tensor_shape(dt_tensor t, int64_t* shape, int32_t cap);
/* Writes min(cap, dim) strides (in elements) into strides. */
DT_EXPORT dt_status dt_tensor_strides(dt_tensor t, int64_t* strides, int32_t cap);
DT_EXPORT dt_status dt_tensor_dtype(dt_tensor t, int32_t* out);
DT_EXPORT dt_status dt_tensor_device(dt_tensor t, int32_t* device_type, int32_t* device_index);
DT_EXPORT dt_status dt_tensor_numel(dt_tensor t, int64_t* out);
DT_EXPORT dt_status dt_tensor_is_contiguous(dt_tensor t, int32_t memory_format, int32_t* out);

/* Copies the elements (row-major, the tensor's own dtype) to host memory; nbytes must equal
 * numel * element size. Works for any device and any strides. */
DT_EXPORT dt_status dt_tensor_copy_to(dt_tensor t, void* dst, int64_t nbytes);
/* The value of a one-element tensor as a double. */
DT_EXPORT dt_status dt_tensor_item(dt_tensor t, double* out);

/* Converts dtype and/or device (dtype -1 keeps the dtype, device_type -1 keeps the device). Always
 * returns a new handle; it shares storage with t when nothing changes and copy is 0. */
DT_EXPORT dt_status dt_tensor_to(dt_tensor t, int32_t dtype, int32_t device_type, int32_t device_index,
                                 int32_t non_blocking, int32_t copy, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_clone(dt_tensor t, dt_tensor* out);
/* A tensor laid out in the given memory format (t itself, as a new handle, when it already is). */
DT_EXPORT dt_status dt_tensor_contiguous(dt_tensor t, int32_t memory_format, dt_tensor* out);
/* A new handle to the same tensor (same storage, same metadata). */
DT_EXPORT dt_status dt_tensor_alias(dt_tensor t, dt_tensor* out);
/* dst.copy_(src): copies (broadcasting, converting dtype and device) into dst in place. */
DT_EXPORT dt_status dt_tensor_copy_(dt_tensor dst, dt_tensor src);

#endif
