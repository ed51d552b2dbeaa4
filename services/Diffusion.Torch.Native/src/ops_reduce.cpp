// Reductions.
#include "diffusion_torch/dt_reduce.h"
#include "internal.h"

namespace {

// ndims 0 means "all dims", spelled as every dim explicitly so keepdim keeps a rank-preserving shape.
std::vector<int64_t> reduce_dims(const at::Tensor& t, const int64_t* dims, int32_t ndims) {
  if (ndims == 0) {
    std::vector<int64_t> all(static_cast<size_t>(t.dim()));
    for (int64_t i = 0; i < t.dim(); ++i) all[static_cast<size_t>(i)] = i;
    return all;
  }
  return dt::to_vector(dims, ndims, "dims");
}

}  // namespace

DT_EXPORT dt_status dt_tensor_sum(dt_tensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, dt_tensor* out) {
  return dt::guard([&] {
    const auto& x = dt::get(t, "t");
    dt::set_out(out, x.sum(reduce_dims(x, dims, ndims), keepdim != 0));
  });
}

DT_EXPORT dt_status dt_tensor_mean(dt_tensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, dt_tensor* out) {
  return dt::guard([&] {
    const auto& x = dt::get(t, "t");
    dt::set_out(out, x.mean(reduce_dims(x, dims, ndims), keepdim != 0));
  });
}

DT_EXPORT dt_status dt_tensor_var(dt_tensor t, const int64_t* dims, int32_t ndims, int32_t unbiased, int32_t keepdim,
                                  dt_tensor* out) {
  return dt::guard([&] {
    const auto& x = dt::get(t, "t");
    dt::set_out(out, x.var(at::IntArrayRef(reduce_dims(x, dims, ndims)), unbiased != 0, keepdim != 0));
  });
}

DT_EXPORT dt_status dt_tensor_amax(dt_tensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, dt_tensor* out) {
  return dt::guard([&] {
    const auto& x = dt::get(t, "t");
    dt::set_out(out, x.amax(reduce_dims(x, dims, ndims), keepdim != 0));
  });
}

DT_EXPORT dt_status dt_tensor_amin(dt_tensor t, const int64_t* dims, int32_t ndims, int32_t keepdim, dt_tensor* out) {
  return dt::guard([&] {
    const auto& x = dt::get(t, "t");
    dt::set_out(out, x.amin(reduce_dims(x, dims, ndims), keepdim != 0));
  });
}

DT_EXPORT dt_status dt_tensor_max_dim(dt_tensor t, int64_t dim, int32_t keepdim, dt_tensor* values,
                                      dt_tensor* indices) {
  return dt::guard([&] {
    dt::require_out(values, "values");
    dt::require_out(indices, "indices");
    auto result = dt::get(t, "t").max(dim, keepdim != 0);
    *values = dt::wrap(std::get<0>(result));
    *indices = dt::wrap(std::get<1>(result));
  });
}

DT_EXPORT dt_status dt_tensor_argmax(dt_tensor t, int64_t dim, int32_t has_dim, int32_t keepdim, dt_tensor* out) {
  return dt::guard([&] {
    const auto d = has_dim != 0 ? c10::optional<int64_t>(dim) : c10::nullopt;
    dt::set_out(out, dt::get(t, "t").argmax(d, keepdim != 0));
  });
}
