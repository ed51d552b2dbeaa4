// Shape, indexing, concatenation and splitting.
#include "diffusion_torch/dt_shape.h"
#include "internal.h"

namespace {

std::vector<at::Tensor> gather(const dt_tensor* tensors, int32_t count) {
  if (count <= 0) throw dt::InvalidArgument("at least one tensor is needed");
  if (tensors == nullptr) throw dt::InvalidArgument("tensor array is null");
  std::vector<at::Tensor> list;
  list.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) list.push_back(dt::get(tensors[i], "tensors[i]"));
  return list;
}

// Hands a list of results to the caller. All handles are created before any is published, so a
// failure leaves nothing for the caller to free.
void publish(std::vector<at::Tensor> parts, dt_tensor* outs, int32_t cap) {
  if (outs == nullptr) throw dt::InvalidArgument("output array is null");
  if (static_cast<int64_t>(parts.size()) > cap)
    throw dt::InvalidArgument("output array holds " + std::to_string(cap) + " handles, " +
                              std::to_string(parts.size()) + " are needed");
  std::vector<dt_tensor> handles;
  handles.reserve(parts.size());
  try {
    for (auto& p : parts) handles.push_back(dt::wrap(std::move(p)));
  } catch (...) {
    for (auto* h : handles) {
      delete h;
      dt::live_tensor_count().fetch_sub(1);
    }
    throw;
  }
  for (size_t i = 0; i < handles.size(); ++i) outs[i] = handles[i];
}

}  // namespace

DT_EXPORT dt_status dt_tensor_reshape(dt_tensor t, const int64_t* shape, int32_t ndim, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").reshape(dt::to_vector(shape, ndim, "shape"))); });
}

DT_EXPORT dt_status dt_tensor_view(dt_tensor t, const int64_t* shape, int32_t ndim, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").view(dt::to_vector(shape, ndim, "shape"))); });
}

DT_EXPORT dt_status dt_tensor_permute(dt_tensor t, const int64_t* dims, int32_t ndim, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").permute(dt::to_vector(dims, ndim, "dims"))); });
}

DT_EXPORT dt_status dt_tensor_transpose(dt_tensor t, int64_t dim0, int64_t dim1, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").transpose(dim0, dim1)); });
}

DT_EXPORT dt_status dt_tensor_narrow(dt_tensor t, int64_t dim, int64_t start, int64_t length, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").narrow(dim, start, length)); });
}

DT_EXPORT dt_status dt_tensor_slice(dt_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step,
                                    dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").slice(dim, start, end, step)); });
}

DT_EXPORT dt_status dt_tensor_select(dt_tensor t, int64_t dim, int64_t index, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").select(dim, index)); });
}

DT_EXPORT dt_status dt_tensor_index_select(dt_tensor t, int64_t dim, dt_tensor index, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").index_select(dim, dt::get(index, "index"))); });
}

DT_EXPORT dt_status dt_tensor_unsqueeze(dt_tensor t, int64_t dim, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").unsqueeze(dim)); });
}

DT_EXPORT dt_status dt_tensor_squeeze(dt_tensor t, int64_t dim, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").squeeze(dim)); });
}

DT_EXPORT dt_status dt_tensor_flatten(dt_tensor t, int64_t start_dim, int64_t end_dim, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").flatten(start_dim, end_dim)); });
}

DT_EXPORT dt_status dt_tensor_expand(dt_tensor t, const int64_t* shape, int32_t ndim, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").expand(dt::to_vector(shape, ndim, "shape"))); });
}

DT_EXPORT dt_status dt_tensor_repeat(dt_tensor t, const int64_t* repeats, int32_t ndim, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").repeat(dt::to_vector(repeats, ndim, "repeats"))); });
}

DT_EXPORT dt_status dt_tensor_triu(dt_tensor t, int64_t diagonal, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").triu(diagonal)); });
}

DT_EXPORT dt_status dt_tensor_cat(const dt_tensor* tensors, int32_t count, int64_t dim, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, at::cat(gather(tensors, count), dim)); });
}

DT_EXPORT dt_status dt_tensor_stack(const dt_tensor* tensors, int32_t count, int64_t dim, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, at::stack(gather(tensors, count), dim)); });
}

DT_EXPORT dt_status dt_tensor_chunk(dt_tensor t, int64_t chunks, int64_t dim, dt_tensor* outs, int32_t cap,
                                    int32_t* count) {
  return dt::guard([&] {
    dt::require_out(count, "count");
    auto parts = dt::get(t, "t").chunk(chunks, dim);
    const auto n = static_cast<int32_t>(parts.size());
    publish(std::move(parts), outs, cap);
    *count = n;
  });
}

DT_EXPORT dt_status dt_tensor_split(dt_tensor t, const int64_t* sizes, int32_t nsizes, int64_t dim, dt_tensor* outs,
                                    int32_t cap) {
  return dt::guard([&] {
    publish(dt::get(t, "t").split_with_sizes(dt::to_vector(sizes, nsizes, "sizes"), dim), outs, cap);
  });
}
