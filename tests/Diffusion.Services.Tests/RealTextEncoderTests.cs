using System.Text.Json;
using Diffusion.Contracts;
using Diffusion.Contracts.Rpc;
using Diffusion.Contracts.V1;
using Diffusion.Hosting;
using Diffusion.Testing;
using Diffusion.TextEncoder;

namespace Diffusion.Services.Tests;

/// <summary>The text encoder service with the product's provider on the tiny reference model
/// (../shared/reference/tiny_sd) against transformers' outputs.</summary>
[Collection(TextEncoderCollection.Name)]
public sealed class RealTextEncoderTests
{
    private const double Tolerance = 1e-4;

    [Fact]
    public async Task Encode_TorchProviderOnTinyModel_MatchesTransformersGolden()
    {
        string model = TestPaths.ReferenceFile("tiny_sd");
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.ReferenceFile("text_encoder.json")));
        var prompts = doc.RootElement.GetProperty("args").GetProperty("prompts").EnumerateArray().Select(e => e.GetString()!).ToList();
        var golden = new SafetensorsFile(TestPaths.ReferenceFile("text_encoder.safetensors"));
        await using var service = await RunningService.StartAsync<TextEncoderRuntime>(
            args => TextEncoderApp.Build(args, new TorchModelProvider()), true, $"Diffusion:ModelPath={model}");
        var request = new EncodeTextRequest();
        request.Prompts.Add(prompts);

        var response = (await service.Calls.UnaryAsync(TextEncoderMethods.Encode, request)).Response;
        var again = (await service.Calls.UnaryAsync(TextEncoderMethods.Encode, request)).Response; // from the cache
        var description = (await service.Calls.UnaryAsync(TextEncoderMethods.Describe, new DescribeRequest())).Response;

        Assert.Equal(golden.Shape("last_hidden_state"), Tensors.Shape(response.HiddenStates));
        Comparison.AssertClose(golden.Floats("last_hidden_state"), Tensors.ToFloats(response.HiddenStates), Tolerance, "prompt_embeds");
        Comparison.AssertClose(golden.Floats("pooler_output"), Tensors.ToFloats(response.Pooled), Tolerance, "pooled");
        Assert.Equal(response.HiddenStates.Data, again.HiddenStates.Data);
        Assert.Equal([false, false, false, true], response.Truncated);
        Assert.Equal(77, description.MaxTokens);
        Assert.Equal((int)golden.Shape("last_hidden_state")[2], description.HiddenSize);
    }
}
