/* Neural-network functionals with torch.nn.functional semantics. Optional tensors (bias, weight)
 * may be null. */
#ifndef DIFFUSION_TORCH_NN_H
#define DIFFUSION_TORCH_NN_H

#include "dt_common.h"

/* x [N, Cin, H, W], weight [Cout, Cin/groups, kH, kW], bias [Cout] or null -> [N, Cout, H', W']. */
DT_EXPORT dt_status dt_nn_conv2d(dt_tensor x, dt_tensor weight, dt_tensor bias, int64_t stride_h, int64_t stride_w,
                                 int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w, int64_t groups,
                                 dt_tensor* out);
/* x [..., in], weight [out, in], bias [out] or null -> [..., out]. */
DT_EXPORT dt_status dt_nn_linear(dt_tensor x, dt_tensor weight, dt_tensor bias, dt_tensor* out);
/* x [N, C, *], C divisible by groups; weight/bias [C] or null. */
DT_EXPORT dt_status dt_nn_group_norm(dt_tensor x, int64_t groups, dt_tensor weight, dt_tensor bias, double eps,
                                     dt_tensor* out);
/* Normalizes over the trailing dims given by normalized_shape; weight/bias of that shape or null. */
DT_EXPORT dt_status dt_nn_layer_norm(dt_tensor x, const int64_t* normalized_shape, int32_t ndim, dt_tensor weight,
                                     dt_tensor bias, double eps, dt_tensor* out);
/* weight [num, dim], indices Int64/Int32 of any shape -> [..., dim]. */
DT_EXPORT dt_status dt_nn_embedding(dt_tensor weight, dt_tensor indices, dt_tensor* out);

DT_EXPORT dt_status dt_nn_silu(dt_tensor x, dt_tensor* out);
DT_EXPORT dt_status dt_nn_silu_(dt_tensor x);
/* tanh_approximation 0: exact erf GELU; 1: the tanh approximation (approximate="tanh"). */
DT_EXPORT dt_status dt_nn_gelu(dt_tensor x, int32_t tanh_approximation, dt_tensor* out);
/* x * sigmoid(1.702 x) (OpenAI CLIP's quick_gelu). */
DT_EXPORT dt_status dt_nn_quick_gelu(dt_tensor x, dt_tensor* out);
DT_EXPORT dt_status dt_nn_relu(dt_tensor x, dt_tensor* out);
DT_EXPORT dt_status dt_nn_softmax(dt_tensor x, int64_t dim, dt_tensor* out);
DT_EXPORT dt_status dt_nn_log_softmax(dt_tensor x, int64_t dim, dt_tensor* out);

/* Nearest-neighbour upsampling of x [N, C, H, W] (F.interpolate mode="nearest"): either to
 * out_h x out_w (when both > 0) or by scale_h/scale_w (when the sizes are 0). */
DT_EXPORT dt_status dt_nn_upsample_nearest2d(dt_tensor x, int64_t out_h, int64_t out_w, double scale_h, double scale_w,
                                             dt_tensor* out);
/* Constant padding (F.pad mode="constant"): pads lists (before, after) pairs starting from the last
 * dim, e.g. {left, right, top, bottom}. */
DT_EXPORT dt_status dt_nn_pad(dt_tensor x, const int64_t* pads, int32_t npads, double value, dt_tensor* out);
/* F.avg_pool2d with kernel = stride (no padding). */
DT_EXPORT dt_status dt_nn_avg_pool2d(dt_tensor x, int64_t kernel_h, int64_t kernel_w, dt_tensor* out);

#endif
