// Fused, memory-efficient scaled dot-product attention on the CPU (flash-attention style).
#pragma once

#include <ATen/ATen.h>

#include <string>

namespace dt {

// softmax(q k^T * scale + mask) v for q [B, H, Lq, d], k [B, H, Lk, d], v [B, H, Lk, dv] on the CPU,
// without materializing the [Lq, Lk] scores: the online-softmax recurrence of FlashAttention
// (Dao et al. 2022, Algorithm 1) over key blocks, per (batch, head, query block), in parallel.
// `additive_mask` is undefined or a float tensor broadcastable to [B, H, Lq, Lk]; `is_causal` masks
// key j > query i (top-left aligned, torch's convention). Inputs of any floating dtype are computed
// in float32; the result has q's dtype. Rows whose every key is masked come out NaN, like the math
// path's softmax over all -inf.
at::Tensor cpu_flash_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               const at::Tensor& additive_mask, bool is_causal, double scale);

// The instruction set the kernel dispatched to on this CPU ("avx512", "avx2" or "baseline").
std::string cpu_flash_attention_isa();

}  // namespace dt
