/* Element-wise tensor ops with PyTorch broadcasting and type promotion. Each writes a new tensor
 * to *out, except the in-place variants (trailing underscore), which modify their first argument. */
#ifndef DIFFUSION_TORCH_OPS_H
#define DIFFUSION_TORCH_OPS_H

#include "dt_common.h"

/* Unary math. */
DT_EXPORT dt_status dt_tensor_neg(dt_tensor t, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_abs(dt_tensor t, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_exp(dt_tensor t, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_log(dt_tensor t, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_sqrt(dt_tensor t, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_rsqrt(dt_tensor t, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_sin(dt_tensor t, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_cos(dt_tensor t, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_tanh(dt_tensor t, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_sigmoid(dt_tensor t, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_erf(dt_tensor t, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_floor(dt_tensor t, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_round(dt_tensor t, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_logical_not(dt_tensor t, dt_tensor* out);

/* Binary, tensor with tensor: out = a + alpha * b, a - alpha * b, a * b, a / b (true division),
 * a ** b, max(a, b), min(a, b). */
DT_EXPORT dt_status dt_tensor_add(dt_tensor a, dt_tensor b, double alpha, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_sub(dt_tensor a, dt_tensor b, double alpha, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_mul(dt_tensor a, dt_tensor b, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_div(dt_tensor a, dt_tensor b, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_pow(dt_tensor a, dt_tensor b, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_maximum(dt_tensor a, dt_tensor b, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_minimum(dt_tensor a, dt_tensor b, dt_tensor* out);
/* In place on a (b broadcast to a's shape). */
DT_EXPORT dt_status dt_tensor_add_(dt_tensor a, dt_tensor b, double alpha);
DT_EXPORT dt_status dt_tensor_sub_(dt_tensor a, dt_tensor b, double alpha);
DT_EXPORT dt_status dt_tensor_mul_(dt_tensor a, dt_tensor b);
DT_EXPORT dt_status dt_tensor_div_(dt_tensor a, dt_tensor b);

/* Binary, tensor with scalar: a + s, a * s, a / s, a ** s, s - a, s / a. */
DT_EXPORT dt_status dt_tensor_add_scalar(dt_tensor a, double s, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_mul_scalar(dt_tensor a, double s, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_div_scalar(dt_tensor a, double s, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_pow_scalar(dt_tensor a, double exponent, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_rsub_scalar(dt_tensor a, double s, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_rdiv_scalar(dt_tensor a, double s, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_add_scalar_(dt_tensor a, double s);
DT_EXPORT dt_status dt_tensor_mul_scalar_(dt_tensor a, double s);
DT_EXPORT dt_status dt_tensor_div_scalar_(dt_tensor a, double s);

/* Comparisons giving a Bool tensor. op: 0 ==, 1 !=, 2 <, 3 <=, 4 >, 5 >=. */
#define DT_COMPARE_EQ 0
#define DT_COMPARE_NE 1
#define DT_COMPARE_LT 2
#define DT_COMPARE_LE 3
#define DT_COMPARE_GT 4
#define DT_COMPARE_GE 5
DT_EXPORT dt_status dt_tensor_compare(dt_tensor a, dt_tensor b, int32_t op, dt_tensor* out);
DT_EXPORT dt_status dt_tensor_compare_scalar(dt_tensor a, double s, int32_t op, dt_tensor* out);

/* where(condition, a, b): a where condition is true, else b (broadcast). */
DT_EXPORT dt_status dt_tensor_where(dt_tensor condition, dt_tensor a, dt_tensor b, dt_tensor* out);
/* t with value written where mask (Bool, broadcast) is true. */
DT_EXPORT dt_status dt_tensor_masked_fill(dt_tensor t, dt_tensor mask, double value, dt_tensor* out);
/* clamp(t, min, max); a bound is ignored when its has_ flag is 0. */
DT_EXPORT dt_status dt_tensor_clamp(dt_tensor t, double min, int32_t has_min, double max, int32_t has_max,
                                    dt_tensor* out);

#endif
