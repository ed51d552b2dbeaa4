// FlashAttention-style CPU kernel (Dao et al. 2022, Algorithm 1, forward only; one pass over key
// blocks with the online-softmax rescaling of Milakov & Gimelshein 2018). Memory per thread is a
// [kBlockQ, kBlockK] score tile instead of the [Lq, Lk] matrix diffusers' AttnProcessor materializes.
//
// Vectorization: the hot loops use GCC/Clang vector extensions of the target's native width (16
// floats for AVX-512, 8 for AVX2, 4 for SSE2: auto-vectorization picked poor layouts here, and wider
// generic vectors are split through the stack), instantiated once per instruction set in functions
// compiled for it (x86-64-v4, x86-64-v3, baseline); the CPU picks at first use, so the library runs
// on any x86-64. DIFFUSION_ATTENTION_ISA=avx2|baseline forces a lower one (tests, comparisons).
#include "cpu_flash_attention.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>


// Vectors are passed only between always-inline helpers; the ABI note about them does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace {

// Forced inline: GCC does not inline a default-target function into one compiled for another -march
// otherwise, and an out-of-line call would pass vectors through memory.
#define DT_INLINE inline __attribute__((always_inline))

template <int W>
struct Vec;
template <>
struct Vec<16> {
  typedef float f __attribute__((vector_size(64)));
  typedef int32_t i __attribute__((vector_size(64)));
  typedef float u __attribute__((vector_size(64), aligned(4)));  // rows are not vector-aligned
};
template <>
struct Vec<8> {
  typedef float f __attribute__((vector_size(32)));
  typedef int32_t i __attribute__((vector_size(32)));
  typedef float u __attribute__((vector_size(32), aligned(4)));
};
template <>
struct Vec<4> {
  typedef float f __attribute__((vector_size(16)));
  typedef int32_t i __attribute__((vector_size(16)));
  typedef float u __attribute__((vector_size(16), aligned(4)));
};

template <int W>
DT_INLINE typename Vec<W>::f load(const float* p) {
  return *reinterpret_cast<const typename Vec<W>::u*>(p);
}
template <int W>
DT_INLINE void store(float* p, typename Vec<W>::f x) {
  *reinterpret_cast<typename Vec<W>::u*>(p) = x;
}
template <int W>
DT_INLINE typename Vec<W>::f splat(float x) {
  return typename Vec<W>::f{} + x;
}
template <int W>
DT_INLINE typename Vec<W>::f vmax(typename Vec<W>::f a, typename Vec<W>::f b) {
  return a > b ? a : b;
}

constexpr int64_t kBlockQ = 32;   // query rows per work item (multiple of kRows)
constexpr int64_t kBlockK = 256;  // keys per online-softmax step (multiple of kLanes)
constexpr int64_t kRows = 4;      // rows per register tile (the kernels below unroll exactly 4)
constexpr int64_t kLanes = 16;    // columns per register tile (one to four vectors)

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

DT_INLINE int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

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

// expf for the softmax (Cephes' single-precision polynomial, ~1 ulp on [-87, 88]); branch-free.
// exp(-inf) and anything below the float range give exactly 0.
DT_INLINE float fast_exp(float x) {
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

// fast_exp on W lanes.
template <int W>
DT_INLINE typename Vec<W>::f fast_exp(typename Vec<W>::f x) {
  using F = typename Vec<W>::f;
  using I = typename Vec<W>::i;
  const F clamped = vmax<W>(x < 88.0f ? x : splat<W>(88.0f), splat<W>(-87.0f));
  const F t = clamped * 1.44269504088896341f + 0.5f;
  I n = __builtin_convertvector(t, I);          // truncates toward zero...
  n += (__builtin_convertvector(n, F) > t);     // ...minus 1 where that rounded up: floor
  const F fx = __builtin_convertvector(n, F);
  F r = clamped - fx * 0.693359375f;
  r = r - fx * -2.12194440e-4f;
  F y = splat<W>(1.9875691500e-4f);
  y = y * r + 1.3981999507e-3f;
  y = y * r + 8.3334519073e-3f;
  y = y * r + 4.1665795894e-2f;
  y = y * r + 1.6666665459e-1f;
  y = y * r + 5.0000001201e-1f;
  y = y * r * r + r + 1.0f;
  const F pow2 = reinterpret_cast<F>((n + 127) << 23);
  return x < -87.0f ? F{} : y * pow2;
}

// One (batch, head, query block): scores tile by tile, online softmax, P V accumulated in `acc`.
// scratch holds kBlockQ * (d + kBlockK + dvp) + 2 * kBlockQ floats. W: floats per vector.
template <int W>
DT_INLINE void attend_block(const Problem& p, int64_t bh, int64_t q0, float* scratch) {
  using F = typename Vec<W>::f;
  constexpr int N = kLanes / W;  // vectors per tile row
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

    // S = (q * scale) k^T, a kRows x kLanes register tile at a time.
    for (int64_t j0 = 0; j0 < nk_tiles; j0 += kLanes) {
      for (int64_t i0 = 0; i0 < nq_tiles; i0 += kRows) {
        F t[kRows][N] = {};
        const float* qrow = qs + i0 * d;
        for (int64_t c = 0; c < d; ++c) {
          const float* krow = kt + c * p.lkp + k0 + j0;
          for (int n = 0; n < N; ++n) {
            const F kv = load<W>(krow + n * W);
            for (int64_t r = 0; r < kRows; ++r) t[r][n] += qrow[r * d + c] * kv;
          }
        }
        for (int64_t r = 0; r < kRows; ++r)
          for (int n = 0; n < N; ++n) store<W>(s + (i0 + r) * kBlockK + j0 + n * W, t[r][n]);
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
      F lane_max = splat<W>(kNegInf);
      for (int64_t j0 = 0; j0 < nk_tiles; j0 += W) lane_max = vmax<W>(lane_max, load<W>(srow + j0));
      float block_max = kNegInf;
      for (int w = 0; w < W; ++w) block_max = std::max(block_max, lane_max[w]);
      const float new_max = std::max(row_max[i], block_max);
      if (new_max == kNegInf) {
        // Everything so far is masked: contribute nothing (and avoid -inf - -inf = NaN).
        std::fill(srow, srow + nk_tiles, 0.0f);
        continue;
      }
      const float correction = fast_exp(row_max[i] - new_max);
      F lane_sum{};
      for (int64_t j0 = 0; j0 < nk_tiles; j0 += W) {
        const F e = fast_exp<W>(load<W>(srow + j0) - new_max);
        store<W>(srow + j0, e);
        lane_sum += e;
      }
      float sum = 0.0f;
      for (int w = 0; w < W; ++w) sum += lane_sum[w];
      row_sum[i] = row_sum[i] * correction + sum;
      row_max[i] = new_max;
      float* arow = acc + i * dvp;
      for (int64_t c = 0; c < dvp; ++c) arow[c] *= correction;
    }
    // Rows past nq in the last tile stay zero so the P V tile below reads zeros there.
    for (int64_t i = nq; i < nq_tiles; ++i) std::fill(s + i * kBlockK, s + i * kBlockK + nk_tiles, 0.0f);

    // acc += P V, a kRows x kLanes tile of the output at a time.
    const float* vblock = vb + k0 * dvp;
    for (int64_t c0 = 0; c0 < dvp; c0 += kLanes) {
      for (int64_t i0 = 0; i0 < nq_tiles; i0 += kRows) {
        float* a0 = acc + i0 * dvp + c0;
        F t[kRows][N];
        for (int64_t r = 0; r < kRows; ++r)
          for (int n = 0; n < N; ++n) t[r][n] = load<W>(a0 + r * dvp + n * W);
        const float* p0 = s + i0 * kBlockK;
        for (int64_t j = 0; j < nk; ++j) {
          const float* vrow = vblock + j * dvp + c0;
          for (int n = 0; n < N; ++n) {
            const F vv = load<W>(vrow + n * W);
            for (int64_t r = 0; r < kRows; ++r) t[r][n] += p0[r * kBlockK + j] * vv;
          }
        }
        for (int64_t r = 0; r < kRows; ++r)
          for (int n = 0; n < N; ++n) store<W>(a0 + r * dvp + n * W, t[r][n]);
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

using BlockKernel = void (*)(const Problem&, int64_t, int64_t, float*);

void attend_block_baseline(const Problem& p, int64_t bh, int64_t q0, float* scratch) {
  attend_block<4>(p, bh, q0, scratch);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DT_FLASH_X86 1
__attribute__((target("arch=x86-64-v3"))) void attend_block_avx2(const Problem& p, int64_t bh, int64_t q0,
                                                                  float* scratch) {
  attend_block<8>(p, bh, q0, scratch);
}

__attribute__((target("arch=x86-64-v4"))) void attend_block_avx512(const Problem& p, int64_t bh, int64_t q0,
                                                                    float* scratch) {
  attend_block<16>(p, bh, q0, scratch);
}
#else
#define DT_FLASH_X86 0
#endif

struct Selected {
  BlockKernel kernel;
  const char* name;
};

// The widest instruction set the CPU has, capped by DIFFUSION_ATTENTION_ISA (avx2 | baseline).
Selected select_kernel() {
  const char* cap = std::getenv("DIFFUSION_ATTENTION_ISA");
  const std::string limit = cap == nullptr ? "" : cap;
#if DT_FLASH_X86
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  if (avx512 && limit != "avx2" && limit != "baseline") return {attend_block_avx512, "avx512 (x86-64-v4)"};
  if (avx2 && limit != "baseline") return {attend_block_avx2, "avx2 (x86-64-v3)"};
#endif
  return {attend_block_baseline, "baseline"};
}

const Selected& selected() {
  static const Selected s = select_kernel();
  return s;
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
  const BlockKernel kernel = selected().kernel;
  at::parallel_for(0, batch * heads * q_blocks, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scratch(static_cast<size_t>(scratch_floats));
    for (int64_t w = begin; w < end; ++w) kernel(p, w / q_blocks, (w % q_blocks) * kBlockQ, scratch.data());
  });
  return q.scalar_type() == at::kFloat ? out : out.to(q.scalar_type());
}

std::string dt::cpu_flash_attention_isa() { return selected().name; }
