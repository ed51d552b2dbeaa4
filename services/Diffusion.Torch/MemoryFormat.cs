namespace Diffusion.Torch;

/// <summary>Physical layout of a 4-D tensor (the logical shape stays [N, C, H, W]).</summary>
public enum MemoryFormat
{
    /// <summary>Row-major NCHW.</summary>
    Contiguous = 0,
    /// <summary>NHWC strides (torch.channels_last); often faster for convolutions.</summary>
    ChannelsLast = 1,
}
