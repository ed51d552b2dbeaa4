/* Reductions. dims/ndims name the reduced dimensions (negative counts from the end); ndims 0 reduces
 * over all elements. */
#ifndef DIFFUSION_TORCH_REDUCE_H
#define DIFFUSION_TORCH_REDUCE_H

#include "dt_common.h"

DT_EXPORT dt_status dt_tensor_sum(dt_tensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_mean(dt_tensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, dt_tensor* out);
/* Variance with Bessel's correction when unbiased != 0 (torch.var default). */
DT_EXPORT dt_status dt_tensor_var(dt_tensor t, const int64_t* dims, int32_t ndims, int32_t unbiased, int32_t keepdim,
                                  dt_tensor* out);
/* Maximum / minimum over dims (amax/amin; all elements when ndims is 0). */
DT_EXPORT dt_status dt_tensor_amax(dt_tensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_amin(dt_tensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, dt_tensor* out);
/* torch.max(t, dim): values and Int64 indices (first occurrence). */
DT_EXPORT dt_status dt_tensor_max_dim(dt_tensor t, int64_t dim, int32_t keepdim, dt_tensor* values,
                                      dt_tensor* indices);
/* Int64 index of the maximum along dim; over the flattened tensor when has_dim is 0. */
DT_EXPORT dt_status dt_tensor_argmax(dt_tensor t, int64_t dim, int32_t has_dim, int32_t keepdim, dt_tensor* out);

#endif
