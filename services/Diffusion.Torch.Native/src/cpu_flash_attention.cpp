// FlashAttention-style CPU kernel (Dao et al. 2022, Algorithm 1, forward only; one pass over key
// blocks with the online-softmax rescaling of Milakov & Gimelshein 2018). Memory per thread is a
// [kBlockQ, kBlockK] score tile instead of the [Lq, Lk] matrix diffusers' AttnProcessor materializes.
//
// Vectorization: the hot loops use 16-float GCC/Clang vector extensions (one AVX-512 register, two
// AVX2 registers, or four SSE registers, whichever the target has: auto-vectorization picked poor
// layouts here), and the one function holding them is compiled three times (target_clones:
// x86-64-v4 = AVX-512, x86-64-v3 = AVX2+FMA, baseline) with the CPU picking at load time, so the
// library stays portable.
#include "cpu_flash_attention.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DT_FLASH_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define DT_FLASH_CLONES
#endif

// 64-byte vectors are legal on every target (lowered to narrower registers); none crosses a call.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace {

typedef float vf __attribute__((vector_size(64)));
typedef int32_t vi __attribute__((vector_size(64)));
// Same vector at 4-byte alignment: rows are not 64-byte aligned.
typedef float vf_u __attribute__((vector_size(64), aligned(4)));

inline vf load(const float* p) { return *reinterpret_cast<const vf_u*>(p); }
inline void store(float* p, vf x) { *reinterpret_cast<vf_u*>(p) = x; }
inline vf splat(float x) { return vf{} + x; }
inline vf vmax(vf a, vf b) { return a > b ? a : b; }

constexpr int64_t kBlockQ = 32;   // query rows per work item (multiple of kRows)
constexpr int64_t kBlockK = 256;  // keys per online-softmax step (multiple of kLanes)
constexpr int64_t kRows = 4;      // rows per register tile (the kernels below unroll exactly 4)
constexpr int64_t kLanes = 16;    // floats per vf

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

struct Problem {
  const float* q;      // [B, H, Lq, d], contiguous
  const float* kt;     // [B, H, d, Lkp]: k transposed, keys zero-padded to a multiple of kLanes
  const float* v;      // [B, H, Lk, dvp]: values zero-padded to a multiple of kLanes
  float* out;          // [B, H, Lq, dv], contiguous
  const float* mask;   // additive, indexed with mask_stride (0 on broadcast dims), or null
  int64_t mask_stride[4];
  int64_t heads, lq, lk, lkp, d, dv, dvp;
  bool causal;
  float scale;
};

// expf for the softmax (Cephes' single-precision polynomial, ~1 ulp on [-87, 88]); branch-free so the
// loops calling it vectorize. exp(-inf) and anything below the float range give exactly 0.
inline float fast_exp(float x) {
  const float clamped = std::min(std::max(x, -87.0f), 88.0f);
  const float fx = std::floor(clamped * 1.44269504088896341f + 0.5f);
  float r = clamped - fx * 0.693359375f;
  r = r - fx * -2.12194440e-4f;
  float y = 1.9875691500e-4f;
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(fx) + 127) << 23;
  float pow2;
  std::memcpy(&pow2, &bits, sizeof pow2);
  return x < -87.0f ? 0.0f : y * pow2;
}

// fast_exp on 16 lanes.
inline vf fast_exp(vf x) {
  const vf clamped = vmax(x < 88.0f ? x : splat(88.0f), splat(-87.0f));
  const vf t = clamped * 1.44269504088896341f + 0.5f;
  vi n = __builtin_convertvector(t, vi);              // truncates toward zero...
  n += (__builtin_convertvector(n, vf) > t);          // ...minus 1 where that rounded up: floor
  const vf fx = __builtin_convertvector(n, vf);
  vf r = clamped - fx * 0.693359375f;
  r = r - fx * -2.12194440e-4f;
  vf y = splat(1.9875691500e-4f);
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  const vf pow2 = reinterpret_cast<vf>((n + 127) << 23);
  return x < -87.0f ? vf{} : y * pow2;
}

// One (batch, head, query block): scores tile by tile, online softmax, P V accumulated in `acc`.
// scratch holds kBlockQ * (d + kBlockK + dvp) + 2 * kBlockQ floats.
DT_FLASH_CLONES
void attend_block(const Problem& p, int64_t bh, int64_t q0, float* scratch) {
  const int64_t d = p.d, dvp = p.dvp;
  const int64_t nq = std::min(kBlockQ, p.lq - q0);
  const int64_t nq_tiles = round_up(nq, kRows);
  float* qs = scratch;                   // [kBlockQ, d]: q rows times scale, zero rows past nq
  float* s = qs + kBlockQ * d;           // [kBlockQ, kBlockK]: scores, then probabilities
  float* acc = s + kBlockQ * kBlockK;    // [kBlockQ, dvp]: unnormalized output
  float* row_max = acc + kBlockQ * dvp;  // running max per row
  float* row_sum = row_max + kBlockQ;    // running sum of exp per row

  const float* qsrc = p.q + (bh * p.lq + q0) * d;
  for (int64_t i = 0; i < nq_tiles; ++i)
    for (int64_t c = 0; c < d; ++c) qs[i * d + c] = i < nq ? qsrc[i * d + c] * p.scale : 0.0f;
  std::fill(acc, acc + nq_tiles * dvp, 0.0f);
  std::fill(row_max, row_max + kBlockQ, kNegInf);
  std::fill(row_sum, row_sum + kBlockQ, 0.0f);

  const float* kt = p.kt + bh * d * p.lkp;
  const float* vb = p.v + bh * p.lk * dvp;
  const int64_t b = bh / p.heads, h = bh % p.heads;
  // Causal: the block's last row sees keys up to q0 + nq - 1.
  const int64_t kend = p.causal ? std::min(p.lk, q0 + nq) : p.lk;

  for (int64_t k0 = 0; k0 < kend; k0 += kBlockK) {
    const int64_t nk = std::min(kBlockK, kend - k0);
    const int64_t nk_tiles = round_up(nk, kLanes);

    // S = (q * scale) k^T for a kRows x kLanes register tile at a time.
    for (int64_t j0 = 0; j0 < nk_tiles; j0 += kLanes) {
      for (int64_t i0 = 0; i0 < nq_tiles; i0 += kRows) {
        vf t0{}, t1{}, t2{}, t3{};
        const float* q0p = qs + i0 * d;
        for (int64_t c = 0; c < d; ++c) {
          const vf kv = load(kt + c * p.lkp + k0 + j0);
          t0 += q0p[c] * kv;
          t1 += q0p[d + c] * kv;
          t2 += q0p[2 * d + c] * kv;
          t3 += q0p[3 * d + c] * kv;
        }
        store(s + i0 * kBlockK + j0, t0);
        store(s + (i0 + 1) * kBlockK + j0, t1);
        store(s + (i0 + 2) * kBlockK + j0, t2);
        store(s + (i0 + 3) * kBlockK + j0, t3);
      }
    }

    for (int64_t i = 0; i < nq; ++i) {
      float* srow = s + i * kBlockK;
      if (p.mask != nullptr) {
        const float* m = p.mask + b * p.mask_stride[0] + h * p.mask_stride[1] + (q0 + i) * p.mask_stride[2] +
                         k0 * p.mask_stride[3];
        for (int64_t j = 0; j < nk; ++j) srow[j] += m[j * p.mask_stride[3]];
      }
      if (p.causal)
        for (int64_t j = std::max<int64_t>(0, q0 + i - k0 + 1); j < nk; ++j) srow[j] = kNegInf;

      // Lane-wise max and sum (independent lanes vectorize without reassociating a float reduction);
      // the tile's padding past nk is -inf, i.e. probability 0.
      std::fill(srow + nk, srow + nk_tiles, kNegInf);
      vf lane_max = splat(kNegInf);
      for (int64_t j0 = 0; j0 < nk_tiles; j0 += kLanes) lane_max = vmax(lane_max, load(srow + j0));
      float block_max = kNegInf;
      for (int64_t w = 0; w < kLanes; ++w) block_max = std::max(block_max, lane_max[w]);
      const float new_max = std::max(row_max[i], block_max);
      if (new_max == kNegInf) {
        // Everything so far is masked: contribute nothing (and avoid -inf - -inf = NaN).
        std::fill(srow, srow + nk_tiles, 0.0f);
        continue;
      }
      const float correction = fast_exp(row_max[i] - new_max);
      vf lane_sum{};
      for (int64_t j0 = 0; j0 < nk_tiles; j0 += kLanes) {
        const vf e = fast_exp(load(srow + j0) - new_max);
        store(srow + j0, e);
        lane_sum += e;
      }
      float sum = 0.0f;
      for (int64_t w = 0; w < kLanes; ++w) sum += lane_sum[w];
      row_sum[i] = row_sum[i] * correction + sum;
      row_max[i] = new_max;
      float* arow = acc + i * dvp;
      for (int64_t c = 0; c < dvp; ++c) arow[c] *= correction;
    }
    // Rows past nq in the last tile stay zero so the P V tile below reads zeros there.
    for (int64_t i = nq; i < nq_tiles; ++i) std::fill(s + i * kBlockK, s + i * kBlockK + nk_tiles, 0.0f);

    // acc += P V for a kRows x kLanes tile of the output at a time.
    const float* vblock = vb + k0 * dvp;
    for (int64_t c0 = 0; c0 < dvp; c0 += kLanes) {
      for (int64_t i0 = 0; i0 < nq_tiles; i0 += kRows) {
        float* a0 = acc + i0 * dvp + c0;
        vf t0 = load(a0), t1 = load(a0 + dvp), t2 = load(a0 + 2 * dvp), t3 = load(a0 + 3 * dvp);
        const float* p0 = s + i0 * kBlockK;
        for (int64_t j = 0; j < nk; ++j) {
          const vf vv = load(vblock + j * dvp + c0);
          t0 += p0[j] * vv;
          t1 += p0[kBlockK + j] * vv;
          t2 += p0[2 * kBlockK + j] * vv;
          t3 += p0[3 * kBlockK + j] * vv;
        }
        store(a0, t0);
        store(a0 + dvp, t1);
        store(a0 + 2 * dvp, t2);
        store(a0 + 3 * dvp, t3);
      }
    }
  }

  float* dst = p.out + (bh * p.lq + q0) * p.dv;
  for (int64_t i = 0; i < nq; ++i) {
    // A fully masked row has row_sum 0: 0 * (1 / 0) = NaN, as softmax over all -inf gives.
    const float inv = 1.0f / row_sum[i];
    for (int64_t c = 0; c < p.dv; ++c) dst[i * p.dv + c] = acc[i * dvp + c] * inv;
  }
}

// Zero-padded float32 copy of x [..., n] as [..., round_up(n, kLanes)].
at::Tensor pad_last_dim(const at::Tensor& x) {
  const int64_t n = x.size(-1), np = round_up(n, kLanes);
  if (n == np) return x.to(at::kFloat).contiguous();
  auto sizes = x.sizes().vec();
  sizes.back() = np;
  auto padded = at::zeros(sizes, x.options().dtype(at::kFloat));
  padded.narrow(-1, 0, n).copy_(x);
  return padded;
}

}  // namespace

at::Tensor dt::cpu_flash_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                   const at::Tensor& additive_mask, bool is_causal, double scale) {
  const int64_t batch = q.size(0), heads = q.size(1), lq = q.size(2), d = q.size(3);
  const int64_t lk = k.size(2), dv = v.size(3);
  const auto qf = q.to(at::kFloat).contiguous();
  const auto kt = pad_last_dim(k.transpose(2, 3));  // [B, H, d, Lkp]
  const auto vp = pad_last_dim(v);                  // [B, H, Lk, dvp]
  auto out = at::empty({batch, heads, lq, dv}, q.options().dtype(at::kFloat));
  at::Tensor mask;
  if (additive_mask.defined()) mask = additive_mask.to(at::kFloat).expand({batch, heads, lq, lk});

  Problem p{};
  p.q = qf.data_ptr<float>();
  p.kt = kt.data_ptr<float>();
  p.v = vp.data_ptr<float>();
  p.out = out.data_ptr<float>();
  p.mask = mask.defined() ? mask.data_ptr<float>() : nullptr;
  for (int i = 0; i < 4; ++i) p.mask_stride[i] = mask.defined() ? mask.stride(i) : 0;
  p.heads = heads;
  p.lq = lq;
  p.lk = lk;
  p.lkp = kt.size(3);
  p.d = d;
  p.dv = dv;
  p.dvp = vp.size(3);
  p.causal = is_causal;
  p.scale = static_cast<float>(scale);

  const int64_t q_blocks = (lq + kBlockQ - 1) / kBlockQ;
  const int64_t scratch_floats = kBlockQ * (d + kBlockK + p.dvp) + 2 * kBlockQ;
  at::parallel_for(0, batch * heads * q_blocks, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(static_cast<size_t>(scratch_floats));
    for (int64_t w = begin; w < end; ++w) attend_block(p, w / q_blocks, (w % q_blocks) * kBlockQ, scratch.data());
  });
  return q.scalar_type() == at::kFloat ? out : out.to(q.scalar_type());
}

std::string dt::cpu_flash_attention_isa() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq"))
    return "avx512 (x86-64-v4)";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2 (x86-64-v3)";
#endif
  return "baseline";
}
