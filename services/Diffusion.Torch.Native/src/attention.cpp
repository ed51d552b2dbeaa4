// Scaled dot-product attention: libtorch's fused SDPA where it exists (>= 2.1, which added `scale`);
// otherwise our fused CPU kernel (cpu_flash_attention.cpp) for CPU tensors, and the explicit math of
// diffusers' AttnProcessor (baddbmm -> softmax -> bmm) for the rest. The math path stays exported.
#include <torch/version.h>

#include <cmath>
#include <limits>

#include "cpu_flash_attention.h"
#include "diffusion_torch/dt_attention.h"
#include "internal.h"

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define DT_HAVE_SDPA 1
#else
#define DT_HAVE_SDPA 0
#endif

namespace {

// Upper bound on the attention-score block materialized at once by the math path. At SD's largest
// self-attention (4096 x 4096 per head) this keeps the block at a few heads instead of B*H.
constexpr int64_t kMaxScoreBytes = int64_t{256} << 20;

void check_shapes(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4)
    throw dt::InvalidArgument("sdpa expects q, k, v of shape [B, H, L, d]");
  if (k.size(0) != q.size(0) || v.size(0) != q.size(0) || k.size(1) != q.size(1) || v.size(1) != q.size(1))
    throw dt::InvalidArgument("sdpa: q, k, v batch/head dims differ");
  if (k.size(3) != q.size(3)) throw dt::InvalidArgument("sdpa: q and k head dims differ");
  if (v.size(2) != k.size(2)) throw dt::InvalidArgument("sdpa: k and v sequence lengths differ");
}

double resolve_scale(double scale, int64_t head_dim) {
  return (std::isnan(scale) || scale <= 0) ? 1.0 / std::sqrt(static_cast<double>(head_dim)) : scale;
}

// Bool masks (true = attend) become additive; float masks pass through (in dtype).
at::Tensor additive_mask(const at::Tensor& mask, at::ScalarType dtype) {
  if (!mask.defined()) return mask;
  if (mask.scalar_type() == at::kBool) {
    return at::zeros(mask.sizes(), mask.options().dtype(dtype))
        .masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
  }
  return mask.to(dtype);
}

// Top-left aligned causal mask [Lq, Lk]: query i sees keys j <= i (torch's is_causal convention).
at::Tensor causal_mask(int64_t lq, int64_t lk, const at::TensorOptions& options) {
  return at::full({lq, lk}, -std::numeric_limits<double>::infinity(), options).triu(1);
}

// The mask to apply (undefined when none): user mask and/or causal mask, additive, in dtype.
at::Tensor combined_mask(const at::Tensor& mask, bool is_causal, int64_t lq, int64_t lk, at::ScalarType dtype,
                         const at::Device& device) {
  auto result = additive_mask(mask, dtype);
  if (is_causal) {
    auto causal = causal_mask(lq, lk, at::TensorOptions().dtype(dtype).device(device));
    result = result.defined() ? result + causal : causal;
  }
  return result;
}

at::Tensor sdpa_math(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                     bool is_causal, double scale) {
  check_shapes(q, k, v);
  const int64_t batch = q.size(0), heads = q.size(1), lq = q.size(2), lk = k.size(2), d = q.size(3);
  const int64_t dv = v.size(3);
  // Reduced-precision inputs are computed in float32 (diffusers' upcast_softmax; 1.13's CPU bmm has no
  // Half kernel); only the output returns to the input dtype.
  const auto compute = (q.scalar_type() == at::kHalf || q.scalar_type() == at::kBFloat16) ? at::kFloat
                                                                                          : q.scalar_type();
  const auto full_mask = combined_mask(mask, is_causal, lq, lk, compute, q.device());
  const auto mask4 = full_mask.defined() ? full_mask.expand({batch, heads, lq, lk}) : full_mask;
  const double alpha = resolve_scale(scale, d);

  auto out = at::empty({batch, heads, lq, dv}, q.options());
  const int64_t score_bytes = std::max<int64_t>(1, lq * lk * static_cast<int64_t>(c10::elementSize(compute)));
  const int64_t step = std::max<int64_t>(1, std::min<int64_t>(heads, kMaxScoreBytes / score_bytes));
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t h0 = 0; h0 < heads; h0 += step) {
      const int64_t n = std::min(step, heads - h0);
      auto qs = q[b].narrow(0, h0, n).to(compute);                     // [n, Lq, d]
      auto ks = k[b].narrow(0, h0, n).to(compute);                     // [n, Lk, d]
      auto vs = v[b].narrow(0, h0, n).to(compute);                     // [n, Lk, dv]
      // [n, Lq, Lk]. Without a mask: bmm then scale (baddbmm's beta=0 does not always ignore an
      // uninitialized input on 1.13's CPU kernels, and a zero-filled one would cost a memset).
      auto scores = mask4.defined()
                        ? at::baddbmm(mask4[b].narrow(0, h0, n), qs, ks.transpose(1, 2), /*beta=*/1.0, alpha)
                        : at::bmm(qs, ks.transpose(1, 2)).mul_(alpha);
      auto probs = at::softmax(scores, -1);
      out[b].narrow(0, h0, n).copy_(at::bmm(probs, vs));  // converts back to the output dtype
    }
  }
  return out;
}

#if !DT_HAVE_SDPA
// True when the fused CPU kernel handles these inputs: floating CPU tensors up to float32 (double keeps
// the math path's precision) and non-empty sequences.
bool use_cpu_flash(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  const auto dtype = q.scalar_type();
  const bool floating = dtype == at::kFloat || dtype == at::kBFloat16 || dtype == at::kHalf;
  return q.device().is_cpu() && k.device().is_cpu() && v.device().is_cpu() && floating &&
         k.scalar_type() == dtype && v.scalar_type() == dtype && q.size(2) > 0 && k.size(2) > 0 && q.size(3) > 0;
}

// libtorch without SDPA: the fused CPU kernel where it applies, else the math path.
at::Tensor sdpa_fallback(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                         bool is_causal, double scale) {
  check_shapes(q, k, v);
  if (!use_cpu_flash(q, k, v)) return sdpa_math(q, k, v, mask, is_causal, scale);
  // The user mask becomes additive float32 (bool: false -> -inf); causality is applied in the kernel.
  const auto additive = additive_mask(mask, at::kFloat);
  if (additive.defined() && additive.dim() > 4) throw dt::InvalidArgument("sdpa: mask has more than 4 dims");
  return dt::cpu_flash_attention(q, k, v, additive, is_causal, resolve_scale(scale, q.size(3)));
}
#endif

}  // namespace

DT_EXPORT dt_status dt_attention_sdpa_math(dt_tensor q, dt_tensor k, dt_tensor v, dt_tensor mask, int32_t is_causal,
                                           double scale, dt_tensor* out) {
  return dt::guard([&] {
    dt::set_out(out, sdpa_math(dt::get(q, "q"), dt::get(k, "k"), dt::get(v, "v"), dt::optional(mask),
                               is_causal != 0, scale));
  });
}

DT_EXPORT dt_status dt_attention_sdpa(dt_tensor q, dt_tensor k, dt_tensor v, dt_tensor mask, int32_t is_causal,
                                      double scale, dt_tensor* out) {
  return dt::guard([&] {
    const auto& query = dt::get(q, "q");
    const auto& key = dt::get(k, "k");
    const auto& value = dt::get(v, "v");
    const auto user_mask = dt::optional(mask);
#if DT_HAVE_SDPA
    check_shapes(query, key, value);
    const double s = resolve_scale(scale, query.size(3));
    // SDPA refuses attn_mask together with is_causal: fold the causal part into the mask then.
    const bool fold = user_mask.defined() && is_causal != 0;
    auto m = combined_mask(user_mask, fold, query.size(2), key.size(2), query.scalar_type(), query.device());
    // An undefined tensor inside an engaged optional is not "no mask" to SDPA: pass nullopt.
    const auto attn_mask = m.defined() ? c10::optional<at::Tensor>(m) : c10::nullopt;
    dt::set_out(out, at::scaled_dot_product_attention(query, key, value, attn_mask, /*dropout_p=*/0.0,
                                                      /*is_causal=*/is_causal != 0 && !fold, s));
#else
    dt::set_out(out, sdpa_fallback(query, key, value, user_mask, is_causal != 0, scale));
#endif
  });
}
