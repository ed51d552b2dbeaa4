"""A plain-torch re-implementation of diffusers 0.27.2 UNet2DConditionModel's forward.

Only the options the Stable Diffusion 1.5 / 2.1 configs use are implemented; any other value
in config.json fails loudly. Module attribute names follow diffusers exactly (conv_in,
time_embedding.linear_1, down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q, ...) so a
diffusers state dict loads with no key mapping, and so the same safetensors file can be loaded
into this model and into the C# engine's UNet for the equivalence check.

Attention has two modes, matching the two diffusers processors a torch 1.13 install would use
(torch 1.13 has no scaled_dot_product_attention, so diffusers falls back to AttnProcessor):
  - "default": diffusers AttnProcessor -> Attention.get_attention_scores: baddbmm over a
    beta=0 empty tensor with alpha = dim_head ** -0.5, softmax over the key axis, bmm with values.
  - "sliced": diffusers SlicedAttnProcessor with unet.set_attention_slice("max"): slice size 1,
    i.e. one (batch x head) score matrix at a time, written into a preallocated output.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

SUPPORTED_DOWN = ("CrossAttnDownBlock2D", "DownBlock2D")
SUPPORTED_UP = ("CrossAttnUpBlock2D", "UpBlock2D")


def timestep_embedding(timesteps, dim, flip_sin_to_cos, downscale_freq_shift, max_period=10000):
    """diffusers embeddings.get_timestep_embedding: sinusoidal features, [N] -> [N, dim]."""
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(half, dtype=torch.float32, device=timesteps.device)
    exponent = exponent / (half - downscale_freq_shift)
    freqs = torch.exp(exponent)
    args = timesteps[:, None].float() * freqs[None, :]
    emb = torch.cat([torch.sin(args), torch.cos(args)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1, 0, 0))
    return emb


class TimestepEmbedding(nn.Module):
    """diffusers TimestepEmbedding: linear_1 -> SiLU -> linear_2."""

    def __init__(self, in_channels, time_embed_dim):
        super().__init__()
        self.linear_1 = nn.Linear(in_channels, time_embed_dim)
        self.act = nn.SiLU()
        self.linear_2 = nn.Linear(time_embed_dim, time_embed_dim)

    def forward(self, x):
        return self.linear_2(self.act(self.linear_1(x)))


class ResnetBlock2D(nn.Module):
    """diffusers ResnetBlock2D with time_embedding_norm="default", output_scale_factor 1."""

    def __init__(self, in_channels, out_channels, temb_channels, groups, eps):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_channels, eps=eps, affine=True)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=1, padding=1)
        self.time_emb_proj = nn.Linear(temb_channels, out_channels)
        self.norm2 = nn.GroupNorm(groups, out_channels, eps=eps, affine=True)
        self.dropout = nn.Dropout(0.0)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1)
        self.nonlinearity = nn.SiLU()
        self.conv_shortcut = (
            nn.Conv2d(in_channels, out_channels, 1, stride=1, padding=0) if in_channels != out_channels else None
        )

    def forward(self, x, temb):
        h = self.conv1(self.nonlinearity(self.norm1(x)))
        h = h + self.time_emb_proj(self.nonlinearity(temb))[:, :, None, None]
        h = self.conv2(self.dropout(self.nonlinearity(self.norm2(h))))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + h


class Attention(nn.Module):
    """diffusers Attention (bias-free q/k/v, to_out = [Linear, Dropout]) with two processors."""

    def __init__(self, query_dim, cross_attention_dim, heads, dim_head, upcast_attention, mode):
        super().__init__()
        inner = heads * dim_head
        kv_dim = cross_attention_dim if cross_attention_dim is not None else query_dim
        self.heads = heads
        self.scale = dim_head ** -0.5
        self.upcast_attention = upcast_attention
        self.mode = mode
        self.to_q = nn.Linear(query_dim, inner, bias=False)
        self.to_k = nn.Linear(kv_dim, inner, bias=False)
        self.to_v = nn.Linear(kv_dim, inner, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(inner, query_dim), nn.Dropout(0.0)])

    def head_to_batch_dim(self, x):
        # [B, S, H*D] -> [B*H, S, D], diffusers Attention.head_to_batch_dim(out_dim=3)
        b, s, c = x.shape
        h = self.heads
        return x.reshape(b, s, h, c // h).permute(0, 2, 1, 3).reshape(b * h, s, c // h)

    def batch_to_head_dim(self, x):
        # [B*H, S, D] -> [B, S, H*D]
        bh, s, d = x.shape
        h = self.heads
        return x.reshape(bh // h, h, s, d).permute(0, 2, 1, 3).reshape(bh // h, s, d * h)

    def scores(self, query, key):
        # diffusers Attention.get_attention_scores (no mask): baddbmm into an uninitialized tensor
        # with beta=0, so the "input" is ignored and only alpha * q @ k^T remains.
        dtype = query.dtype
        if self.upcast_attention:
            query = query.float()
            key = key.float()
        empty = torch.empty(query.shape[0], query.shape[1], key.shape[1], dtype=query.dtype, device=query.device)
        s = torch.baddbmm(empty, query, key.transpose(-1, -2), beta=0, alpha=self.scale)
        probs = s.softmax(dim=-1)
        return probs.to(dtype)

    def forward(self, hidden_states, encoder_hidden_states=None):
        context = hidden_states if encoder_hidden_states is None else encoder_hidden_states
        query = self.to_q(hidden_states)
        dim = query.shape[-1]
        query = self.head_to_batch_dim(query)
        key = self.head_to_batch_dim(self.to_k(context))
        value = self.head_to_batch_dim(self.to_v(context))
        if self.mode == "default":
            out = torch.bmm(self.scores(query, key), value)
        else:
            # SlicedAttnProcessor, slice_size = 1 ("max"): one batch*head row at a time.
            bh, tokens, _ = query.shape
            out = torch.zeros((bh, tokens, dim // self.heads), device=query.device, dtype=query.dtype)
            for i in range(bh):
                probs = self.scores(query[i:i + 1], key[i:i + 1])
                out[i:i + 1] = torch.bmm(probs, value[i:i + 1])
        out = self.batch_to_head_dim(out)
        return self.to_out[1](self.to_out[0](out))


class GEGLU(nn.Module):
    """diffusers GEGLU: proj to 2*inner, split into (hidden, gate), hidden * gelu(gate)."""

    def __init__(self, dim_in, dim_out):
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2)

    def forward(self, x):
        hidden, gate = self.proj(x).chunk(2, dim=-1)
        return hidden * F.gelu(gate)


class FeedForward(nn.Module):
    """diffusers FeedForward(activation_fn="geglu", mult=4): net = [GEGLU, Dropout, Linear]."""

    def __init__(self, dim):
        super().__init__()
        inner = dim * 4
        self.net = nn.ModuleList([GEGLU(dim, inner), nn.Dropout(0.0), nn.Linear(inner, dim)])

    def forward(self, x):
        for module in self.net:
            x = module(x)
        return x


class BasicTransformerBlock(nn.Module):
    """diffusers BasicTransformerBlock, norm_type="layer_norm": self-attn, cross-attn, GEGLU FF."""

    def __init__(self, dim, heads, dim_head, cross_attention_dim, upcast_attention, mode):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, elementwise_affine=True, eps=1e-5)
        self.attn1 = Attention(dim, None, heads, dim_head, upcast_attention, mode)
        self.norm2 = nn.LayerNorm(dim, elementwise_affine=True, eps=1e-5)
        self.attn2 = Attention(dim, cross_attention_dim, heads, dim_head, upcast_attention, mode)
        self.norm3 = nn.LayerNorm(dim, elementwise_affine=True, eps=1e-5)
        self.ff = FeedForward(dim)

    def forward(self, x, context):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    """diffusers Transformer2DModel for continuous inputs (GroupNorm eps 1e-6, one block)."""

    def __init__(self, heads, dim_head, in_channels, cross_attention_dim, groups, use_linear, upcast, mode):
        super().__init__()
        inner = heads * dim_head
        self.use_linear_projection = use_linear
        self.norm = nn.GroupNorm(groups, in_channels, eps=1e-6, affine=True)
        if use_linear:
            self.proj_in = nn.Linear(in_channels, inner)
            self.proj_out = nn.Linear(inner, in_channels)
        else:
            self.proj_in = nn.Conv2d(in_channels, inner, 1, stride=1, padding=0)
            self.proj_out = nn.Conv2d(inner, in_channels, 1, stride=1, padding=0)
        self.transformer_blocks = nn.ModuleList(
            [BasicTransformerBlock(inner, heads, dim_head, cross_attention_dim, upcast, mode)]
        )

    def forward(self, x, context):
        b, _, h, w = x.shape
        residual = x
        x = self.norm(x)
        if not self.use_linear_projection:
            x = self.proj_in(x)
            inner = x.shape[1]
            x = x.permute(0, 2, 3, 1).reshape(b, h * w, inner)
        else:
            inner = x.shape[1]
            x = x.permute(0, 2, 3, 1).reshape(b, h * w, inner)
            x = self.proj_in(x)
        for block in self.transformer_blocks:
            x = block(x, context)
        if not self.use_linear_projection:
            x = x.reshape(b, h, w, -1).permute(0, 3, 1, 2).contiguous()
            x = self.proj_out(x)
        else:
            x = self.proj_out(x)
            x = x.reshape(b, h, w, -1).permute(0, 3, 1, 2).contiguous()
        return x + residual


class Downsample2D(nn.Module):
    """diffusers Downsample2D(use_conv=True, padding=1): a stride-2 3x3 conv named "conv"."""

    def __init__(self, channels, padding):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=padding)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    """diffusers Upsample2D(use_conv=True): nearest 2x then a 3x3 conv named "conv"."""

    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownBlock(nn.Module):
    """CrossAttnDownBlock2D (with_attention) or DownBlock2D."""

    def __init__(self, cfg, in_ch, out_ch, temb, heads, add_downsample, with_attention, mode):
        super().__init__()
        groups, eps = cfg["norm_num_groups"], cfg["norm_eps"]
        n = cfg["layers_per_block"]
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(in_ch if i == 0 else out_ch, out_ch, temb, groups, eps) for i in range(n)]
        )
        if with_attention:
            self.attentions = nn.ModuleList(
                [Transformer2DModel(heads, out_ch // heads, out_ch, cfg["cross_attention_dim"], groups,
                                    cfg.get("use_linear_projection", False), cfg.get("upcast_attention", False),
                                    mode) for _ in range(n)]
            )
        else:
            self.attentions = None
        self.downsamplers = nn.ModuleList([Downsample2D(out_ch, cfg["downsample_padding"])]) if add_downsample else None

    def forward(self, x, temb, context):
        states = ()
        for i, resnet in enumerate(self.resnets):
            x = resnet(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
            states += (x,)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            states += (x,)
        return x, states


class UpBlock(nn.Module):
    """CrossAttnUpBlock2D (with_attention) or UpBlock2D: layers_per_block + 1 resnets, skips concatenated."""

    def __init__(self, cfg, in_ch, prev_ch, out_ch, temb, heads, add_upsample, with_attention, mode):
        super().__init__()
        groups, eps = cfg["norm_num_groups"], cfg["norm_eps"]
        n = cfg["layers_per_block"] + 1
        resnets = []
        for i in range(n):
            skip = in_ch if i == n - 1 else out_ch
            res_in = prev_ch if i == 0 else out_ch
            resnets.append(ResnetBlock2D(res_in + skip, out_ch, temb, groups, eps))
        self.resnets = nn.ModuleList(resnets)
        if with_attention:
            self.attentions = nn.ModuleList(
                [Transformer2DModel(heads, out_ch // heads, out_ch, cfg["cross_attention_dim"], groups,
                                    cfg.get("use_linear_projection", False), cfg.get("upcast_attention", False),
                                    mode) for _ in range(n)]
            )
        else:
            self.attentions = None
        self.upsamplers = nn.ModuleList([Upsample2D(out_ch)]) if add_upsample else None

    def forward(self, x, skips, temb, context):
        for i, resnet in enumerate(self.resnets):
            x = torch.cat([x, skips[-1]], dim=1)
            skips = skips[:-1]
            x = resnet(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, context)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class UNetMidBlock2DCrossAttn(nn.Module):
    """diffusers UNetMidBlock2DCrossAttn: resnet, then (attention, resnet) once."""

    def __init__(self, cfg, ch, temb, heads, mode):
        super().__init__()
        groups, eps = cfg["norm_num_groups"], cfg["norm_eps"]
        self.resnets = nn.ModuleList([ResnetBlock2D(ch, ch, temb, groups, eps) for _ in range(2)])
        self.attentions = nn.ModuleList(
            [Transformer2DModel(heads, ch // heads, ch, cfg["cross_attention_dim"], groups,
                                cfg.get("use_linear_projection", False), cfg.get("upcast_attention", False), mode)]
        )

    def forward(self, x, temb, context):
        x = self.resnets[0](x, temb)
        x = self.attentions[0](x, context)
        return self.resnets[1](x, temb)


def _check_config(cfg):
    def require(key, allowed):
        value = cfg.get(key, allowed[0])
        if value not in allowed:
            raise ValueError(f"unsupported UNet config {key}={value!r} (supported: {allowed})")

    require("act_fn", ["silu"])
    require("center_input_sample", [False])
    require("flip_sin_to_cos", [True, False])
    require("mid_block_scale_factor", [1, 1.0])
    require("dual_cross_attention", [False])
    require("only_cross_attention", [False])
    require("num_class_embeds", [None])
    require("class_embed_type", [None])
    require("addition_embed_type", [None])
    require("mid_block_type", ["UNetMidBlock2DCrossAttn"])
    require("resnet_time_scale_shift", ["default"])
    require("time_embedding_type", ["positional"])
    require("num_attention_heads", [None])
    require("transformer_layers_per_block", [1])
    for t in cfg["down_block_types"]:
        if t not in SUPPORTED_DOWN:
            raise ValueError(f"unsupported down block {t}")
    for t in cfg["up_block_types"]:
        if t not in SUPPORTED_UP:
            raise ValueError(f"unsupported up block {t}")


class UNet2DConditionModel(nn.Module):
    """diffusers UNet2DConditionModel.forward for the SD 1.x / 2.x configs.

    forward(sample [B, in, H, W], timesteps [B] or scalar, encoder_hidden_states [B, T, cross_dim])
    -> [B, out, H, W]. `attention_head_dim` is the number of heads (diffusers' legacy naming).
    """

    def __init__(self, cfg, attention_mode="default"):
        super().__init__()
        if attention_mode not in ("default", "sliced"):
            raise ValueError(f"attention mode must be default or sliced, not {attention_mode}")
        _check_config(cfg)
        self.cfg = cfg
        channels = list(cfg["block_out_channels"])
        heads = cfg["attention_head_dim"]
        if isinstance(heads, int):
            heads = [heads] * len(channels)
        temb = channels[0] * 4
        self.conv_in = nn.Conv2d(cfg["in_channels"], channels[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(channels[0], temb)

        self.down_blocks = nn.ModuleList()
        out_ch = channels[0]
        for i, kind in enumerate(cfg["down_block_types"]):
            in_ch, out_ch = out_ch, channels[i]
            final = i == len(channels) - 1
            self.down_blocks.append(DownBlock(cfg, in_ch, out_ch, temb, heads[i], not final,
                                              kind == "CrossAttnDownBlock2D", attention_mode))

        self.mid_block = UNetMidBlock2DCrossAttn(cfg, channels[-1], temb, heads[-1], attention_mode)

        self.up_blocks = nn.ModuleList()
        rev_channels = list(reversed(channels))
        rev_heads = list(reversed(heads))
        out_ch = rev_channels[0]
        for i, kind in enumerate(cfg["up_block_types"]):
            prev_ch, out_ch = out_ch, rev_channels[i]
            in_ch = rev_channels[min(i + 1, len(channels) - 1)]
            final = i == len(channels) - 1
            self.up_blocks.append(UpBlock(cfg, in_ch, prev_ch, out_ch, temb, rev_heads[i], not final,
                                          kind == "CrossAttnUpBlock2D", attention_mode))

        self.conv_norm_out = nn.GroupNorm(cfg["norm_num_groups"], channels[0], eps=cfg["norm_eps"])
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(channels[0], cfg["out_channels"], 3, padding=1)

    def forward(self, sample, timesteps, encoder_hidden_states):
        if not torch.is_tensor(timesteps):
            timesteps = torch.tensor([timesteps], dtype=torch.int64, device=sample.device)
        elif timesteps.dim() == 0:
            timesteps = timesteps[None].to(sample.device)
        timesteps = timesteps.expand(sample.shape[0])
        t_emb = timestep_embedding(timesteps, self.cfg["block_out_channels"][0], self.cfg["flip_sin_to_cos"],
                                   self.cfg["freq_shift"]).to(dtype=sample.dtype)
        emb = self.time_embedding(t_emb)

        x = self.conv_in(sample)
        skips = (x,)
        for block in self.down_blocks:
            x, states = block(x, emb, encoder_hidden_states)
            skips += states
        x = self.mid_block(x, emb, encoder_hidden_states)
        for block in self.up_blocks:
            n = len(block.resnets)
            block_skips, skips = skips[-n:], skips[:-n]
            x = block(x, block_skips, emb, encoder_hidden_states)
        return self.conv_out(self.conv_act(self.conv_norm_out(x)))
