/* Shape and indexing ops. Views (view, permute, transpose, narrow, slice, select, unsqueeze, squeeze,
 * expand, chunk, split) share storage with their input; reshape shares it when it can. */
#ifndef DIFFUSION_TORCH_SHAPE_H
#define DIFFUSION_TORCH_SHAPE_H

#include "dt_common.h"

/* A size of -1 in shape is inferred. */
DT_EXPORT dt_status dt_tensor_reshape(dt_tensor t, const int64_t* shape, int32_t ndim, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_view(dt_tensor t, const int64_t* shape, int32_t ndim, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_permute(dt_tensor t, const int64_t* dims, int32_t ndim, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_transpose(dt_tensor t, int64_t dim0, int64_t dim1, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_narrow(dt_tensor t, int64_t dim, int64_t start, int64_t length, dt_tensor* out);
/* t[..., start:end:step, ...] along dim (end is clamped like Python slicing). */
DT_EXPORT dt_status dt_tensor_slice(dt_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step,
                                    dt_tensor* out);
/* t.select(dim, index): removes dim. */
DT_EXPORT dt_status dt_tensor_select(dt_tensor t, int64_t dim, int64_t index, dt_tensor* out);
/* Gathers the Int64/Int32 indices along dim (a copy). */
DT_EXPORT dt_status dt_tensor_index_select(dt_tensor t, int64_t dim, dt_tensor index, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_unsqueeze(dt_tensor t, int64_t dim, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_squeeze(dt_tensor t, int64_t dim, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_flatten(dt_tensor t, int64_t start_dim, int64_t end_dim, dt_tensor* out);
/* Broadcast view to shape (-1 keeps a size). */
DT_EXPORT dt_status dt_tensor_expand(dt_tensor t, const int64_t* shape, int32_t ndim, dt_tensor* out);
/* Tiles t repeats[i] times along each dim (a copy). */
DT_EXPORT dt_status dt_tensor_repeat(dt_tensor t, const int64_t* repeats, int32_t ndim, dt_tensor* out);
/* Upper triangle of the last two dims (elements below diagonal `diagonal` set to 0). */
DT_EXPORT dt_status dt_tensor_triu(dt_tensor t, int64_t diagonal, dt_tensor* out);

DT_EXPORT dt_status dt_tensor_cat(const dt_tensor* tensors, int32_t count, int64_t dim, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_stack(const dt_tensor* tensors, int32_t count, int64_t dim, dt_tensor* out);
/* torch.chunk: at most `chunks` views along dim written to outs[0..*count) (cap >= chunks). */
DT_EXPORT dt_status dt_tensor_chunk(dt_tensor t, int64_t chunks, int64_t dim, dt_tensor* outs, int32_t cap,
                                    int32_t* count);
/* torch.split with explicit sizes (their sum must be the size of dim); cap >= nsizes. */
DT_EXPORT dt_status dt_tensor_split(dt_tensor t, const int64_t* sizes, int32_t nsizes, int64_t dim, dt_tensor* outs,
                                    int32_t cap);

#endif
