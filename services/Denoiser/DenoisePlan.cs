using Diffusion.Pipelines.Denoising;
using Diffusion.Schedulers;

namespace Diffusion.Denoiser;

/// <summary>A validated Denoise request: the engine-free spec, its new scheduler and, when resuming,
/// the checkpoint to continue from.</summary>
internal sealed record DenoisePlan(DenoiseSpec Spec, IScheduler Scheduler, DenoiseCheckpoint? Resume);
