using System.Buffers.Binary;
using System.Text;
using Diffusion.Testing;
using Diffusion.Torch.Nn;
using Diffusion.Torch.Safetensors;
using SafetensorsFile = Diffusion.Torch.Safetensors.SafetensorsFile;

namespace Diffusion.Torch.Tests;

public sealed class SafetensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void WriteThenOpen_EveryDtype_RoundTripsValuesShapesAndMetadata()
    {
        using var scope = TensorScope.Enter();
        var f32 = Tensor.FromArray([1.5f, -2f, 3f, 4f, 5f, 6f], 2, 3);
        var tensors = new Dictionary<string, Tensor>
        {
            ["a.f32"] = f32,
            ["b.f16"] = f32.To(ScalarType.Float16),
            ["c.bf16"] = f32.To(ScalarType.BFloat16),
            ["d.f64"] = f32.To(ScalarType.Float64),
            ["e.i64"] = Tensor.FromArray([1L, -2L, long.MaxValue], 3),
            ["f.i32"] = Tensor.FromArray([7, -8], [2]),
            ["g.u8"] = Tensor.FromArray(new byte[] { 0, 200, 255 }, 3),
            ["h.bool"] = Tensor.FromArray([true, false, true], [3]),
            ["i.scalar"] = Tensor.Scalar(2.5),
            ["j.empty"] = Tensor.Zeros([0, 4]),
        };
        var path = PathOf("all.safetensors");

        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        using var file = SafetensorsFile.Open(path);

        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(tensors.Keys.Order(), file.Keys.Order());
        foreach (var (name, expected) in tensors)
        {
            using var loaded = file.Load(name).DetachFromScope();
            Assert.Equal(expected.Dtype, loaded.Dtype);
            Assert.Equal(expected.Shape, loaded.Shape);
            Assert.Equal(expected.ToBytes(), loaded.ToBytes());
        }
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0, (8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes)) % 8); // data section 8-byte aligned
    }

    [Fact]
    public void Load_WithTargetDtype_ConvertsInTheSameCopy()
    {
        using var h = Tensor.FromArray([(Half)1.5f, (Half)(-0.25f)], 2);
        var path = PathOf("half.safetensors");
        SafetensorsWriter.Write(path, [KeyValuePair.Create("w", h)]);
        using var file = SafetensorsFile.Open(path);

        using var f = file.Load("w", ScalarType.Float32);
        using var into = Tensor.Zeros([2], ScalarType.BFloat16);
        file.ReadInto("w", into);

        Assert.Equal([1.5f, -0.25f], f.ToArray<float>());
        Assert.Equal([1.5f, -0.25f], into.ToFloatArray());
        Assert.Throws<ArgumentException>(() => file.ReadInto("w", Tensor.Zeros([1, 2]).DetachFromScope()));
    }

    [Fact]
    public void Open_GoldenUnetFile_MatchesManagedReader()
    {
        var path = TestPaths.ReferenceFile("tiny_sd", "unet", "diffusion_pytorch_model.safetensors");
        var managed = new Diffusion.Testing.SafetensorsFile(path);
        using var file = SafetensorsFile.Open(path);

        Assert.Equal(managed.Entries.Keys.Order(), file.Keys.Order());
        foreach (var key in managed.Entries.Keys.Take(40))
        {
            using var t = file.Load(key);
            Assert.Equal(managed.Shape(key), t.Shape);
            Assert.Equal(managed.Floats(key), t.ToFloatArray());
        }
    }

    [Fact]
    public void LoadStateDict_FromWrittenFile_RestoresModule()
    {
        using var source = new Linear(3, 4);
        using (var g = new Generator(5)) Init.RandomizeParameters(source, g);
        var path = PathOf("linear.safetensors");
        SafetensorsWriter.Write(path, source.StateDict());
        using var target = new Linear(3, 4, dtype: ScalarType.Float16);

        using var file = Diffusion.Torch.Safetensors.Safetensors.Open(path) as SafetensorsFile;
        var report = target.LoadStateDict(file!);

        Assert.True(report.IsComplete);
        Comparison.AssertClose(source.Weight.ToFloatArray(), target.Weight.ToFloatArray(), 1e-3, "weight");
    }

    [Fact]
    public void Shards_IndexedCheckpoint_LoadsEveryKeyFromItsShard()
    {
        using var a = Tensor.FromArray([1f, 2f], 2);
        using var b = Tensor.FromArray([3f], 1);
        SafetensorsWriter.Write(PathOf("model-00001-of-00002.safetensors"), [KeyValuePair.Create("x.weight", a)]);
        SafetensorsWriter.Write(PathOf("model-00002-of-00002.safetensors"), [KeyValuePair.Create("y.bias", b)]);
        File.WriteAllText(PathOf("model.safetensors.index.json"),
            """{"metadata": {"total_size": 12}, "weight_map": {"x.weight": "model-00001-of-00002.safetensors", "y.bias": "model-00002-of-00002.safetensors"}}""");

        using var shards = (SafetensorsShards)Diffusion.Torch.Safetensors.Safetensors.Open(PathOf("model.safetensors.index.json"));
        using var x = shards.Load("x.weight");
        using var y = shards.Load("y.bias");

        Assert.Equal(2, shards.Shards.Count);
        Assert.Equal("12", shards.Metadata["total_size"]);
        Assert.Equal([1f, 2f], x.ToArray<float>());
        Assert.Equal([3f], y.ToArray<float>());
        Assert.True(shards.TryGetInfo("y.bias", out var info));
        Assert.Equal([1L], info.Shape);
    }

    [Theory]
    [InlineData("""{"weight_map": {"x.weight": "absent.safetensors"}}""", "x.weight", "does not exist")]
    [InlineData("""{"weight_map": {"z": "model-00001-of-00002.safetensors"}}""", "z", "not found in shard")]
    [InlineData("""{"weight_map": {"x.weight": "../model-00001-of-00002.safetensors"}}""", "x.weight", "not a shard file name")]
    [InlineData("""{"weight_map": ["x"]}""", null, "'weight_map' object")]
    [InlineData("""{"weight_map": {""", null, "not valid JSON")]
    public void Shards_MalformedIndex_ThrowsFormatExceptionNamingTheProblem(string index, string? tensor, string problem)
    {
        using var a = Tensor.FromArray([1f, 2f], 2);
        SafetensorsWriter.Write(PathOf("model-00001-of-00002.safetensors"), [KeyValuePair.Create("x.weight", a)]);
        File.WriteAllText(PathOf("bad.safetensors.index.json"), index);

        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsShards.Open(PathOf("bad.safetensors.index.json")));

        Assert.Equal(tensor, e.TensorName);
        Assert.Contains(problem, e.Message);
        Assert.Contains("bad.safetensors.index.json", e.Message);
    }

    // ---- malformed single files: every rule, never a crash ----

    private string WriteRaw(string header, int dataBytes, string name = "bad.safetensors")
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        var path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static SafetensorsFormatException AssertMalformed(string path, string? tensor, string problem)
    {
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Equal(path, e.FilePath);
        Assert.Equal(tensor, e.TensorName);
        Assert.Contains(problem, e.Message);
        Assert.StartsWith(path, e.Message);
        return e;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void Open_FileShorterThanLengthPrefix_IsTruncated(int length)
    {
        var path = PathOf("short.safetensors");
        File.WriteAllBytes(path, new byte[length]);
        AssertMalformed(path, null, "truncated");
    }

    [Fact]
    public void Open_HeaderLengthPastEnd_IsRejected()
    {
        var path = PathOf("long.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 100);
        File.WriteAllBytes(path, bytes);
        AssertMalformed(path, null, "header length 100 runs past the end of the file (16 bytes)");
    }

    [Fact]
    public void Open_HugeHeaderLength_IsRejectedWithoutAllocating()
    {
        var path = PathOf("huge.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(path, bytes);
        AssertMalformed(path, null, "exceeds the 100000000-byte limit");
    }

    [Fact]
    public void Open_TruncatedData_IsOutOfRange() =>
        AssertMalformed(WriteRaw("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8), "w", "out of range: the data section has 8 bytes");

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]""", "not valid JSON")]
    [InlineData("""[1, 2]""", "must be a JSON object")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}} trailing""", "not valid JSON")]
    public void Open_BadJson_IsRejected(string header, string problem) => AssertMalformed(WriteRaw(header, 16), null, problem);

    [Theory]
    [InlineData("""{"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}""", 4, "unknown or unsupported dtype 'F8_E4M3'")]
    [InlineData("""{"w":{"shape":[4],"data_offsets":[0,16]}}""", 16, "missing string 'dtype'")]
    [InlineData("""{"w":{"dtype":"F32","data_offsets":[0,16]}}""", 16, "missing array 'shape'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}""", 16, "not a non-negative integer")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4]}}""", 16, "missing 'data_offsets'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}""", 16, "invalid data_offsets")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"w":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}}""", 32, "appears twice")]
    [InlineData("""{"w":7}""", 0, "entry must be an object")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,12]}}""", 12, "span 12 bytes, but shape [4] of F32 needs 16")]
    [InlineData("""{"w":{"dtype":"F16","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", 8, "too large")]
    public void Open_BadEntry_NamesTheTensor(string header, int dataBytes, string problem) =>
        AssertMalformed(WriteRaw(header, dataBytes), "w", problem);

    [Fact]
    public void Open_OverlappingOffsets_AreRejected() =>
        AssertMalformed(WriteRaw("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", 16),
            "b", "overlap tensor 'a'");

    [Fact]
    public void Open_HoleBetweenTensors_IsRejected() =>
        AssertMalformed(WriteRaw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12),
            "b", "leave bytes [4, 8) of the data section unused");

    [Fact]
    public void Open_TrailingUncoveredBytes_AreRejected() =>
        AssertMalformed(WriteRaw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 12), null, "the data section has 12 bytes but the tensors cover 4");

    [Theory]
    [InlineData("""{"__metadata__":{"format":1}}""", "is not a string")]
    [InlineData("""{"__metadata__":[1]}""", "must be an object of strings")]
    public void Open_BadMetadata_IsRejected(string header, string problem) => AssertMalformed(WriteRaw(header, 0), null, problem);

    [Fact]
    public void Open_UnalignedDataSection_StillLoadsCorrectly()
    {
        // A header of odd length puts F32 data at an odd address; the format allows it.
        var path = WriteRaw("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} """, 8);
        var bytes = File.ReadAllBytes(path);
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8), 1.25f);
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 4), -3f);
        File.WriteAllBytes(path, bytes);
        using var file = SafetensorsFile.Open(path);

        using var t = file.Load("w");

        Assert.Equal([1.25f, -3f], t.ToArray<float>());
    }

    [Fact]
    public void Open_MissingFile_ThrowsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open(PathOf("absent.safetensors")));

    [Fact]
    public void Load_AfterDispose_ThrowsObjectDisposed()
    {
        using var t = Tensor.Zeros([1]);
        var path = PathOf("one.safetensors");
        SafetensorsWriter.Write(path, [KeyValuePair.Create("t", t)]);
        var file = SafetensorsFile.Open(path);
        file.Dispose();

        Assert.Throws<ObjectDisposedException>(() => file.Load("t"));
    }
}
