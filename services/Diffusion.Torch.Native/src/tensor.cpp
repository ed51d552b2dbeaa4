// Tensor handles, argument conversion, creation, properties and copies.
#include <cstring>

#include "diffusion_torch/dt_tensor.h"
#include "internal.h"

namespace dt {

std::atomic<int64_t>& live_tensor_count() {
  static std::atomic<int64_t> count{0};
  return count;
}

dt_tensor wrap(at::Tensor tensor) {
  auto* handle = new dt_tensor_s{std::move(tensor)};
  live_tensor_count().fetch_add(1, std::memory_order_relaxed);
  return handle;
}

const at::Tensor& get(dt_tensor t, const char* name) {
  if (t == nullptr) throw InvalidArgument(std::string("tensor argument '") + name + "' is null");
  if (!t->tensor.defined()) throw InvalidArgument(std::string("tensor argument '") + name + "' is undefined");
  return t->tensor;
}

at::Tensor optional(dt_tensor t) { return t == nullptr ? at::Tensor() : t->tensor; }

void require_out(const void* out, const char* name) {
  if (out == nullptr) throw InvalidArgument(std::string("output pointer '") + name + "' is null");
}

void set_out(dt_tensor* out, at::Tensor tensor) {
  require_out(out, "out");
  *out = wrap(std::move(tensor));
}

at::ScalarType to_scalar_type(int32_t dtype) {
  switch (dtype) {
    case DT_DTYPE_UINT8: return at::kByte;
    case DT_DTYPE_INT8: return at::kChar;
    case DT_DTYPE_INT16: return at::kShort;
    case DT_DTYPE_INT32: return at::kInt;
    case DT_DTYPE_INT64: return at::kLong;
    case DT_DTYPE_FLOAT16: return at::kHalf;
    case DT_DTYPE_FLOAT32: return at::kFloat;
    case DT_DTYPE_FLOAT64: return at::kDouble;
    case DT_DTYPE_BOOL: return at::kBool;
    case DT_DTYPE_BFLOAT16: return at::kBFloat16;
    default: throw InvalidArgument("unsupported dtype code " + std::to_string(dtype));
  }
}

at::Device to_device(int32_t device_type, int32_t device_index) {
  if (device_index < -1) throw InvalidArgument("device index " + std::to_string(device_index) + " is negative");
  const auto index = static_cast<c10::DeviceIndex>(device_index);
  switch (device_type) {
    case DT_DEVICE_CPU: return at::Device(at::kCPU);
    case DT_DEVICE_CUDA: return at::Device(at::kCUDA, index);
    default: throw InvalidArgument("unsupported device type code " + std::to_string(device_type));
  }
}

at::MemoryFormat to_memory_format(int32_t memory_format) {
  switch (memory_format) {
    case DT_MEMORY_FORMAT_CONTIGUOUS: return at::MemoryFormat::Contiguous;
    case DT_MEMORY_FORMAT_CHANNELS_LAST: return at::MemoryFormat::ChannelsLast;
    default: throw InvalidArgument("unsupported memory format code " + std::to_string(memory_format));
  }
}

std::vector<int64_t> to_vector(const int64_t* values, int32_t count, const char* name) {
  if (count < 0) throw InvalidArgument(std::string("negative length for '") + name + "'");
  if (count > 0 && values == nullptr) throw InvalidArgument(std::string("array '") + name + "' is null");
  return std::vector<int64_t>(values, values + count);
}

}  // namespace dt

namespace {

int32_t dtype_code(at::ScalarType type) {
  switch (type) {
    case at::kByte: return DT_DTYPE_UINT8;
    case at::kChar: return DT_DTYPE_INT8;
    case at::kShort: return DT_DTYPE_INT16;
    case at::kInt: return DT_DTYPE_INT32;
    case at::kLong: return DT_DTYPE_INT64;
    case at::kHalf: return DT_DTYPE_FLOAT16;
    case at::kFloat: return DT_DTYPE_FLOAT32;
    case at::kDouble: return DT_DTYPE_FLOAT64;
    case at::kBool: return DT_DTYPE_BOOL;
    case at::kBFloat16: return DT_DTYPE_BFLOAT16;
    default: throw dt::InvalidArgument(std::string("tensor has dtype ") + c10::toString(type) +
                                       ", which the binding does not expose");
  }
}

at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index) {
  return at::TensorOptions().dtype(dt::to_scalar_type(dtype)).device(dt::to_device(device_type, device_index));
}

// A CPU tensor over (aligned) or copied from (unaligned) caller memory of the given dtype and shape.
// Safetensors offsets need not be multiples of the element size, and ATen's kernels assume aligned
// elements, so unaligned data takes one extra byte copy.
at::Tensor host_source(const void* data, int64_t nbytes, at::ScalarType src_type, at::IntArrayRef sizes) {
  const auto element = static_cast<int64_t>(c10::elementSize(src_type));
  int64_t numel = 1;
  for (auto s : sizes) {
    if (s < 0) throw dt::InvalidArgument("negative size in shape");
    if (s != 0 && numel > INT64_MAX / s) throw dt::InvalidArgument("shape has more than 2^63 elements");
    numel *= s;
  }
  if (numel > INT64_MAX / element || numel * element != nbytes)
    throw dt::InvalidArgument(std::to_string(nbytes) + " bytes given for " + std::to_string(numel) + " elements of " +
                              c10::toString(src_type));
  if (nbytes > 0 && data == nullptr) throw dt::InvalidArgument("data pointer is null");
  const auto source_options = at::TensorOptions().dtype(src_type);
  if (reinterpret_cast<uintptr_t>(data) % static_cast<uintptr_t>(element) == 0)
    return at::from_blob(const_cast<void*>(data), sizes, source_options);
  auto staging = at::empty(sizes, source_options);
  std::memcpy(staging.data_ptr(), data, static_cast<size_t>(nbytes));
  return staging;
}

}  // namespace

DT_EXPORT void dt_tensor_free(dt_tensor t) {
  if (t == nullptr) return;
  delete t;
  dt::live_tensor_count().fetch_sub(1, std::memory_order_relaxed);
}

DT_EXPORT int64_t dt_tensor_live_count(void) { return dt::live_tensor_count().load(std::memory_order_relaxed); }

DT_EXPORT dt_status dt_tensor_from_data(const void* data, int64_t nbytes, int32_t src_dtype, const int64_t* shape,
                                        int32_t ndim, int32_t dst_dtype, int32_t device_type, int32_t device_index,
                                        dt_tensor* out) {
  return dt::guard([&] {
    dt::require_out(out, "out");
    const auto sizes = dt::to_vector(shape, ndim, "shape");
    auto source = host_source(data, nbytes, dt::to_scalar_type(src_dtype), sizes);
    // One pass from the caller's memory into new libtorch storage, converting dtype and device; the
    // explicit copy also covers the case where nothing changes (from_blob must not be retained).
    *out = dt::wrap(source.to(options(dst_dtype, device_type, device_index), /*non_blocking=*/false, /*copy=*/true));
  });
}

DT_EXPORT dt_status dt_tensor_copy_from_data(dt_tensor dst, const void* data, int64_t nbytes, int32_t src_dtype) {
  return dt::guard([&] {
    auto destination = dt::get(dst, "dst");
    destination.copy_(host_source(data, nbytes, dt::to_scalar_type(src_dtype), destination.sizes()));
  });
}

DT_EXPORT dt_status dt_tensor_empty(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t device_type,
                                    int32_t device_index, dt_tensor* out) {
  return dt::guard([&] {
    dt::set_out(out, at::empty(dt::to_vector(shape, ndim, "shape"), options(dtype, device_type, device_index)));
  });
}

DT_EXPORT dt_status dt_tensor_zeros(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t device_type,
                                    int32_t device_index, dt_tensor* out) {
  return dt::guard([&] {
    dt::set_out(out, at::zeros(dt::to_vector(shape, ndim, "shape"), options(dtype, device_type, device_index)));
  });
}

DT_EXPORT dt_status dt_tensor_ones(const int64_t* shape, int32_t ndim, int32_t dtype, int32_t device_type,
                                   int32_t device_index, dt_tensor* out) {
  return dt::guard([&] {
    dt::set_out(out, at::ones(dt::to_vector(shape, ndim, "shape"), options(dtype, device_type, device_index)));
  });
}

DT_EXPORT dt_status dt_tensor_full(const int64_t* shape, int32_t ndim, double value, int32_t dtype,
                                   int32_t device_type, int32_t device_index, dt_tensor* out) {
  return dt::guard([&] {
    dt::set_out(out,
                at::full(dt::to_vector(shape, ndim, "shape"), value, options(dtype, device_type, device_index)));
  });
}

DT_EXPORT dt_status dt_tensor_arange(double start, double end, double step, int32_t dtype, int32_t device_type,
                                     int32_t device_index, dt_tensor* out) {
  return dt::guard([&] {
    dt::set_out(out, at::arange(start, end, step, options(dtype, device_type, device_index)));
  });
}

DT_EXPORT dt_status dt_tensor_dim(dt_tensor t, int32_t* out) {
  return dt::guard([&] {
    dt::require_out(out, "out");
    *out = static_cast<int32_t>(dt::get(t, "t").dim());
  });
}

DT_EXPORT dt_status dt_tensor_shape(dt_tensor t, int64_t* shape, int32_t cap) {
  return dt::guard([&] {
    const auto& tensor = dt::get(t, "t");
    const auto n = std::min<int64_t>(cap, tensor.dim());
    if (n > 0) dt::require_out(shape, "shape");
    for (int64_t i = 0; i < n; ++i) shape[i] = tensor.size(i);
  });
}

DT_EXPORT dt_status dt_tensor_strides(dt_tensor t, int64_t* strides, int32_t cap) {
  return dt::guard([&] {
    const auto& tensor = dt::get(t, "t");
    const auto n = std::min<int64_t>(cap, tensor.dim());
    if (n > 0) dt::require_out(strides, "strides");
    for (int64_t i = 0; i < n; ++i) strides[i] = tensor.stride(i);
  });
}

DT_EXPORT dt_status dt_tensor_dtype(dt_tensor t, int32_t* out) {
  return dt::guard([&] {
    dt::require_out(out, "out");
    *out = dtype_code(dt::get(t, "t").scalar_type());
  });
}

DT_EXPORT dt_status dt_tensor_device(dt_tensor t, int32_t* device_type, int32_t* device_index) {
  return dt::guard([&] {
    dt::require_out(device_type, "device_type");
    dt::require_out(device_index, "device_index");
    const auto device = dt::get(t, "t").device();
    if (device.is_cpu()) {
      *device_type = DT_DEVICE_CPU;
    } else if (device.is_cuda()) {
      *device_type = DT_DEVICE_CUDA;
    } else {
      throw dt::InvalidArgument("tensor is on device " + device.str() + ", which the binding does not expose");
    }
    *device_index = device.has_index() ? device.index() : -1;
  });
}

DT_EXPORT dt_status dt_tensor_numel(dt_tensor t, int64_t* out) {
  return dt::guard([&] {
    dt::require_out(out, "out");
    *out = dt::get(t, "t").numel();
  });
}

DT_EXPORT dt_status dt_tensor_is_contiguous(dt_tensor t, int32_t memory_format, int32_t* out) {
  return dt::guard([&] {
    dt::require_out(out, "out");
    *out = dt::get(t, "t").is_contiguous(dt::to_memory_format(memory_format)) ? 1 : 0;
  });
}

DT_EXPORT dt_status dt_tensor_copy_to(dt_tensor t, void* dst, int64_t nbytes) {
  return dt::guard([&] {
    const auto& tensor = dt::get(t, "t");
    const auto expected = tensor.numel() * static_cast<int64_t>(tensor.element_size());
    if (nbytes != expected)
      throw dt::InvalidArgument("dt_tensor_copy_to: buffer of " + std::to_string(nbytes) + " bytes, tensor has " +
                                std::to_string(expected));
    if (nbytes == 0) return;
    dt::require_out(dst, "dst");
    // Copy straight into the caller's buffer through a CPU view of it (one pass, any strides/device).
    auto destination = at::from_blob(dst, tensor.sizes(), at::TensorOptions().dtype(tensor.scalar_type()));
    destination.copy_(tensor);
  });
}

DT_EXPORT dt_status dt_tensor_item(dt_tensor t, double* out) {
  return dt::guard([&] {
    dt::require_out(out, "out");
    *out = dt::get(t, "t").item<double>();
  });
}

DT_EXPORT dt_status dt_tensor_to(dt_tensor t, int32_t dtype, int32_t device_type, int32_t device_index,
                                 int32_t non_blocking, int32_t copy, dt_tensor* out) {
  return dt::guard([&] {
    const auto& tensor = dt::get(t, "t");
    const auto type = dtype < 0 ? tensor.scalar_type() : dt::to_scalar_type(dtype);
    const auto device = device_type < 0 ? tensor.device() : dt::to_device(device_type, device_index);
    dt::set_out(out, tensor.to(device, type, non_blocking != 0, copy != 0));
  });
}

DT_EXPORT dt_status dt_tensor_clone(dt_tensor t, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t").clone()); });
}

DT_EXPORT dt_status dt_tensor_contiguous(dt_tensor t, int32_t memory_format, dt_tensor* out) {
  return dt::guard(
      [&] { dt::set_out(out, dt::get(t, "t").contiguous(dt::to_memory_format(memory_format))); });
}

DT_EXPORT dt_status dt_tensor_alias(dt_tensor t, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, dt::get(t, "t")); });
}

DT_EXPORT dt_status dt_tensor_copy_(dt_tensor dst, dt_tensor src) {
  return dt::guard([&] {
    auto destination = dt::get(dst, "dst");
    destination.copy_(dt::get(src, "src"));
  });
}
