// Matrix products.
#include "diffusion_torch/dt_linalg.h"
#include "internal.h"

DT_EXPORT dt_status dt_tensor_matmul(dt_tensor a, dt_tensor b, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, at::matmul(dt::get(a, "a"), dt::get(b, "b"))); });
}

DT_EXPORT dt_status dt_tensor_bmm(dt_tensor a, dt_tensor b, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, at::bmm(dt::get(a, "a"), dt::get(b, "b"))); });
}

DT_EXPORT dt_status dt_tensor_baddbmm(dt_tensor input, dt_tensor b1, dt_tensor b2, double beta, double alpha,
                                      dt_tensor* out) {
  return dt::guard([&] {
    dt::set_out(out, at::baddbmm(dt::get(input, "input"), dt::get(b1, "b1"), dt::get(b2, "b2"), beta, alpha));
  });
}
