/* Scaled dot-product attention. */
#ifndef DIFFUSION_TORCH_ATTENTION_H
#define DIFFUSION_TORCH_ATTENTION_H

#include "dt_common.h"

/* softmax(q k^T * scale + mask) v for q [B, H, Lq, d], k [B, H, Lk, d], v [B, H, Lk, dv] -> [B, H, Lq, dv].
 * mask (may be null): additive float mask, or Bool mask where true = attend, broadcastable to
 * [B, H, Lq, Lk]. is_causal: position i attends to j <= i (combined with mask when both are given).
 * scale <= 0 or NaN means 1/sqrt(d). Uses at::scaled_dot_product_attention on libtorch >= 2.1,
 * an explicit, memory-bounded math path otherwise. */
DT_EXPORT dt_status dt_attention_sdpa(dt_tensor q, dt_tensor k, dt_tensor v, dt_tensor mask, int32_t is_causal,
                                      double scale, dt_tensor* out);
/* The math path regardless of libtorch version (reference for tests and for comparison). */
DT_EXPORT dt_status dt_attention_sdpa_math(dt_tensor q, dt_tensor k, dt_tensor v, dt_tensor mask, int32_t is_causal,
                                           double scale, dt_tensor* out);

#endif
