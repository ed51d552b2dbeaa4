using Diffusion.Models.Loading;
using Diffusion.Torch;
using Diffusion.Torch.Nn;

namespace Diffusion.Models.UNet;

/// <summary>diffusers <c>UNet2DConditionModel</c> (Stable Diffusion 1.x/2.x subset, see
/// <see cref="UNet2DConditionConfig"/>), with children under diffusers' state-dict keys so a diffusers
/// checkpoint loads strictly with no key mapping.</summary>
public sealed class UNet2DConditionModel : Module
{
    private readonly Timesteps _timeProj;
    private readonly TimestepEmbedding _timeEmbedding;
    private readonly Conv2d _convIn;
    private readonly ModuleList<UNetDownBlock> _downBlocks;
    private readonly UNetMidBlock2DCrossAttn _midBlock;
    private readonly ModuleList<UNetUpBlock> _upBlocks;
    private readonly GroupNorm _convNormOut;
    private readonly Conv2d _convOut;

    /// <summary>Builds the module with zero parameters (load weights with <see cref="Module.LoadStateDict"/>
    /// or randomize them, see <see cref="CreateRandom"/>).</summary>
    public UNet2DConditionModel(UNet2DConditionConfig config, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Dtype = dtype;
        Device = device ?? Device.Cpu;
        var ch = config.BlockOutChannels;
        var n = ch.Count;
        var temb = config.TimeEmbeddingDim;
        var groups = config.NormNumGroups;
        var eps = config.NormEps;

        _convIn = RegisterModule("conv_in", new Conv2d(config.InChannels, ch[0], 3, 1, 1, dtype: dtype, device: device));
        _timeProj = new Timesteps(ch[0], config.FlipSinToCos, config.FreqShift);
        _timeEmbedding = RegisterModule("time_embedding", new TimestepEmbedding(ch[0], temb, dtype, device));

        // diffusers UNet2DConditionModel.__init__: down blocks.
        var down = new List<UNetDownBlock>();
        var output = ch[0];
        for (var i = 0; i < n; i++)
        {
            var input = output;
            output = ch[i];
            var isFinal = i == n - 1;
            down.Add(config.DownBlockTypes[i] == "CrossAttnDownBlock2D"
                ? new CrossAttnDownBlock2D(config.LayersPerBlock[i], config.TransformerLayersPerBlock[i], input, output, temb, groups, eps,
                    !isFinal, config.DownsamplePadding, config.NumAttentionHeads[i], config.CrossAttentionDim[i], config.UseLinearProjection, dtype, device)
                : new DownBlock2D(config.LayersPerBlock[i], input, output, temb, groups, eps, !isFinal, config.DownsamplePadding, dtype, device));
        }
        _downBlocks = RegisterModule("down_blocks", new ModuleList<UNetDownBlock>(down));

        _midBlock = RegisterModule("mid_block", new UNetMidBlock2DCrossAttn(ch[n - 1], temb, groups, eps, config.MidBlockScaleFactor,
            config.TransformerLayersPerBlock[n - 1], config.NumAttentionHeads[n - 1], config.CrossAttentionDim[n - 1],
            config.UseLinearProjection, dtype, device));

        // Up blocks use the per-block lists reversed; each has one more resnet than its down block.
        var up = new List<UNetUpBlock>();
        output = ch[n - 1];
        for (var i = 0; i < n; i++)
        {
            var r = n - 1 - i; // index into the down-block lists
            var prevOutput = output;
            output = ch[r];
            var input = ch[Math.Max(r - 1, 0)]; // reversed[min(i + 1, n - 1)]
            var isFinal = i == n - 1;
            var layers = config.LayersPerBlock[r] + 1;
            up.Add(config.UpBlockTypes[i] == "CrossAttnUpBlock2D"
                ? new CrossAttnUpBlock2D(layers, config.TransformerLayersPerBlock[r], input, prevOutput, output, temb, groups, eps, !isFinal,
                    config.NumAttentionHeads[r], config.CrossAttentionDim[r], config.UseLinearProjection, dtype, device)
                : new UpBlock2D(layers, input, prevOutput, output, temb, groups, eps, !isFinal, dtype, device));
        }
        _upBlocks = RegisterModule("up_blocks", new ModuleList<UNetUpBlock>(up));

        _convNormOut = RegisterModule("conv_norm_out", new GroupNorm(groups, ch[0], eps, true, dtype, device));
        _convOut = RegisterModule("conv_out", new Conv2d(ch[0], config.OutChannels, 3, 1, 1, dtype: dtype, device: device));
    }

    /// <summary>The configuration this module was built from.</summary>
    public UNet2DConditionConfig Config { get; }

    /// <summary>Parameter dtype chosen at construction.</summary>
    public ScalarType Dtype { get; }

    /// <summary>Parameter device chosen at construction.</summary>
    public Device Device { get; }

    /// <summary>Loads a diffusers <c>unet/</c> folder: config.json plus the weight file chosen by
    /// <see cref="WeightFiles.Resolve"/> (fp16 files are converted to <paramref name="dtype"/> while
    /// copying), strictly.</summary>
    /// <exception cref="ModelLoadException">Missing/unsupported config or no weights.</exception>
    public static UNet2DConditionModel Load(string unetDir, ScalarType dtype = ScalarType.Float32, Device? device = null, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(unetDir);
        var config = UNet2DConditionConfig.Load(Path.Combine(unetDir, "config.json"));
        return LoadWeights(new UNet2DConditionModel(config, dtype, device), WeightFiles.Resolve(unetDir, variant));
    }

    /// <summary>Loads <paramref name="weightsPath"/> into <paramref name="model"/> strictly (through
    /// <paramref name="adapt"/> when given, e.g. a key renaming); disposes the model on failure.</summary>
    internal static T LoadWeights<T>(T model, string weightsPath, Func<IStateDictSource, IStateDictSource>? adapt = null) where T : Module
    {
        try
        {
            var source = WeightFiles.Open(weightsPath);
            try
            {
                model.LoadStateDict(adapt is null ? source : adapt(source), strict: true);
            }
            finally
            {
                (source as IDisposable)?.Dispose();
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>A module built from <paramref name="config"/> alone with seeded random parameters
    /// (<see cref="Init.RandomizeParameters"/>), for full-size benchmarks without a checkpoint.</summary>
    public static UNet2DConditionModel CreateRandom(UNet2DConditionConfig config, ulong seed, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var model = new UNet2DConditionModel(config, dtype, device);
        using var generator = new Generator(seed);
        Init.RandomizeParameters(model, generator);
        return model;
    }

    /// <summary>Predicts noise (or v) for <paramref name="sample"/>.</summary>
    /// <param name="sample">[B, InChannels, H, W] latents (model dtype, model device).</param>
    /// <param name="timesteps">0-d (broadcast to the batch) or [B]; int64 or float (fractional allowed).</param>
    /// <param name="encoderHiddenStates">[B, L, CrossAttentionDim] text embeddings.</param>
    /// <returns>[B, OutChannels, H, W], owned by the caller's scope.</returns>
    public Tensor Forward(Tensor sample, Tensor timesteps, Tensor encoderHiddenStates) =>
        Forward(sample, timesteps, encoderHiddenStates, null);

    /// <summary><see cref="Forward(Tensor, Tensor, Tensor)"/>, reporting submodule outputs to
    /// <paramref name="inspect"/> as they are produced ("time_proj", "time_embedding", "conv_in",
    /// "down_blocks.i", "mid_block", "up_blocks.i", "conv_norm_out", "conv_out"); the tensors are only
    /// valid during the callback.</summary>
    public Tensor Forward(Tensor sample, Tensor timesteps, Tensor encoderHiddenStates, Action<string, Tensor>? inspect)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(timesteps);
        ArgumentNullException.ThrowIfNull(encoderHiddenStates);
        if (sample.Dim != 4) throw new ArgumentException($"sample must be [B, C, H, W], got [{string.Join(", ", sample.Shape)}]", nameof(sample));
        using var scope = TensorScope.Enter();
        var batch = sample.Size(0);
        var x = Config.CenterInputSample ? sample.Mul(2.0).Sub(1.0) : sample;

        // diffusers: a scalar timestep is broadcast to the batch; the embedding is computed in float32 and
        // cast to the model dtype.
        var t = timesteps.To(x.Device);
        if (t.Dim == 0) t = t.Reshape(1);
        if (t.Size(0) != batch) t = t.Expand(batch);
        var tEmb = _timeProj.Forward(t);                          // [B, C0] float32
        inspect?.Invoke("time_proj", tEmb);
        var emb = _timeEmbedding.Forward(tEmb.To(x.Dtype));       // [B, 4·C0]
        inspect?.Invoke("time_embedding", emb);

        var h = _convIn.Forward(x);                               // [B, C0, H, W]
        inspect?.Invoke("conv_in", h);
        var skips = new List<Tensor> { h };
        for (var i = 0; i < _downBlocks.Count; i++)
        {
            var (output, blockSkips) = _downBlocks[i].Forward(h, emb, encoderHiddenStates);
            h = output;
            skips.AddRange(blockSkips);
            inspect?.Invoke($"down_blocks.{i}", h);
        }
        h = _midBlock.Forward(h, emb, encoderHiddenStates);
        inspect?.Invoke("mid_block", h);

        for (var i = 0; i < _upBlocks.Count; i++)
        {
            var block = _upBlocks[i];
            var count = block.ResnetCount;
            var blockSkips = skips.GetRange(skips.Count - count, count);
            skips.RemoveRange(skips.Count - count, count);
            // diffusers passes upsample_size = the next skip's size when the latent size is not a multiple
            // of 2^(upsamplers); always passing it is identical for multiples (nearest ×2 == size 2H×2W).
            (long, long)? upsampleSize = i < _upBlocks.Count - 1 ? (skips[^1].Size(2), skips[^1].Size(3)) : null;
            h = block.Forward(h, blockSkips, emb, encoderHiddenStates, upsampleSize);
            inspect?.Invoke($"up_blocks.{i}", h);
        }

        h = _convNormOut.Forward(h);
        inspect?.Invoke("conv_norm_out", h);
        h = _convOut.Forward(h.Silu());                          // [B, OutChannels, H, W]
        inspect?.Invoke("conv_out", h);
        return h.MoveToOuterScope();
    }
}
