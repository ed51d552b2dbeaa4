// torch.nn.functional equivalents: convolution, linear, normalization, activations, resampling.
#include "diffusion_torch/dt_nn.h"
#include "internal.h"

DT_EXPORT dt_status dt_nn_conv2d(dt_tensor x, dt_tensor weight, dt_tensor bias, int64_t stride_h, int64_t stride_w,
                                 int64_t pad_h, int64_t pad_w, int64_t dilation_h, int64_t dilation_w, int64_t groups,
                                 dt_tensor* out) {
  return dt::guard([&] {
    dt::set_out(out, at::conv2d(dt::get(x, "x"), dt::get(weight, "weight"), dt::optional(bias), {stride_h, stride_w},
                                {pad_h, pad_w}, {dilation_h, dilation_w}, groups));
  });
}

DT_EXPORT dt_status dt_nn_linear(dt_tensor x, dt_tensor weight, dt_tensor bias, dt_tensor* out) {
  return dt::guard(
      [&] { dt::set_out(out, at::linear(dt::get(x, "x"), dt::get(weight, "weight"), dt::optional(bias))); });
}

DT_EXPORT dt_status dt_nn_group_norm(dt_tensor x, int64_t groups, dt_tensor weight, dt_tensor bias, double eps,
                                     dt_tensor* out) {
  return dt::guard([&] {
    dt::set_out(out, at::group_norm(dt::get(x, "x"), groups, dt::optional(weight), dt::optional(bias), eps,
                                    /*cudnn_enabled=*/true));
  });
}

DT_EXPORT dt_status dt_nn_layer_norm(dt_tensor x, const int64_t* normalized_shape, int32_t ndim, dt_tensor weight,
                                     dt_tensor bias, double eps, dt_tensor* out) {
  return dt::guard([&] {
    dt::set_out(out, at::layer_norm(dt::get(x, "x"), dt::to_vector(normalized_shape, ndim, "normalized_shape"),
                                    dt::optional(weight), dt::optional(bias), eps, /*cudnn_enable=*/true));
  });
}

DT_EXPORT dt_status dt_nn_embedding(dt_tensor weight, dt_tensor indices, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, at::embedding(dt::get(weight, "weight"), dt::get(indices, "indices"))); });
}

DT_EXPORT dt_status dt_nn_silu(dt_tensor x, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, at::silu(dt::get(x, "x"))); });
}

DT_EXPORT dt_status dt_nn_silu_(dt_tensor x) {
  return dt::guard([&] {
    auto t = dt::get(x, "x");
    at::silu_(t);
  });
}

DT_EXPORT dt_status dt_nn_gelu(dt_tensor x, int32_t tanh_approximation, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, at::gelu(dt::get(x, "x"), tanh_approximation != 0 ? "tanh" : "none")); });
}

DT_EXPORT dt_status dt_nn_quick_gelu(dt_tensor x, dt_tensor* out) {
  // transformers QuickGELUActivation: input * torch.sigmoid(1.702 * input).
  return dt::guard([&] {
    const auto& t = dt::get(x, "x");
    dt::set_out(out, t * at::sigmoid(t * 1.702));
  });
}

DT_EXPORT dt_status dt_nn_relu(dt_tensor x, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, at::relu(dt::get(x, "x"))); });
}

DT_EXPORT dt_status dt_nn_softmax(dt_tensor x, int64_t dim, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, at::softmax(dt::get(x, "x"), dim)); });
}

DT_EXPORT dt_status dt_nn_log_softmax(dt_tensor x, int64_t dim, dt_tensor* out) {
  return dt::guard([&] { dt::set_out(out, at::log_softmax(dt::get(x, "x"), dim)); });
}

DT_EXPORT dt_status dt_nn_upsample_nearest2d(dt_tensor x, int64_t out_h, int64_t out_w, double scale_h, double scale_w,
                                             dt_tensor* out) {
  return dt::guard([&] {
    const auto& input = dt::get(x, "x");
    if (out_h > 0 && out_w > 0) {
      const std::vector<int64_t> size{out_h, out_w};
      dt::set_out(out, at::upsample_nearest2d(input, at::IntArrayRef(size), c10::nullopt));
    } else if (out_h == 0 && out_w == 0 && scale_h > 0 && scale_w > 0) {
      // Same call as F.interpolate(scale_factor=...): the output size is floor(size * scale) and the
      // source index uses the given scale, exactly as PyTorch does.
      const std::vector<double> scales{scale_h, scale_w};
      dt::set_out(out, at::upsample_nearest2d(input, c10::nullopt, at::ArrayRef<double>(scales)));
    } else {
      throw dt::InvalidArgument("upsample_nearest2d needs either a positive output size or positive scales");
    }
  });
}

DT_EXPORT dt_status dt_nn_pad(dt_tensor x, const int64_t* pads, int32_t npads, double value, dt_tensor* out) {
  return dt::guard(
      [&] { dt::set_out(out, at::constant_pad_nd(dt::get(x, "x"), dt::to_vector(pads, npads, "pads"), value)); });
}

DT_EXPORT dt_status dt_nn_avg_pool2d(dt_tensor x, int64_t kernel_h, int64_t kernel_w, dt_tensor* out) {
  return dt::guard([&] {
    dt::set_out(out, at::avg_pool2d(dt::get(x, "x"), {kernel_h, kernel_w}, {kernel_h, kernel_w}));
  });
}
