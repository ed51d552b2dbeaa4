/* Matrix products. */
#ifndef DIFFUSION_TORCH_LINALG_H
#define DIFFUSION_TORCH_LINALG_H

#include "dt_common.h"

/* torch.matmul semantics (broadcast batch dims, 1-D promotion). */
DT_EXPORT dt_status dt_tensor_matmul(dt_tensor a, dt_tensor b, dt_tensor* out);
/* [B, n, m] x [B, m, p] -> [B, n, p]. */
DT_EXPORT dt_status dt_tensor_bmm(dt_tensor a, dt_tensor b, dt_tensor* out);
/* beta * input + alpha * (b1 @ b2), batched. */
DT_EXPORT dt_status dt_tensor_baddbmm(dt_tensor input, dt_tensor b1, dt_tensor b2, double beta, double alpha,
                                      dt_tensor* out);

#endif
