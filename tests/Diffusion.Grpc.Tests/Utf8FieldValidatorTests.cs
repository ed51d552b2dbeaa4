using System.Buffers;
using System.IO.Pipelines;
using Diffusion.Grpc.Framing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Health.V1;

namespace Diffusion.Grpc.Tests;

/// <summary>String fields must be valid UTF-8 (the C# runtime would turn bad bytes into U+FFFD):
/// top-level, nested, inside maps and repeated messages, across buffer segments; other bytes are not inspected.</summary>
public sealed class Utf8FieldValidatorTests
{
    private static readonly byte[] Bad = [0x61, 0xC3, 0x28, 0x62]; // 'a', a lead byte without its continuation, '(', 'b'

    /// <summary>A length-delimited field with raw bytes.</summary>
    private static byte[] Field(int number, byte[] value) => [(byte)((number << 3) | 2), (byte)value.Length, .. value];

    [Fact]
    public void Validate_TopLevelStringWithBadBytes_ThrowsNamingTheField()
    {
        var ex = Assert.Throws<MalformedMessageException>(() =>
            Utf8FieldValidator.Validate(HealthCheckRequest.Descriptor, Field(HealthCheckRequest.ServiceFieldNumber, Bad)));
        Assert.Contains("'grpc.health.v1.HealthCheckRequest.service' is not valid UTF-8", ex.Message);
    }

    [Fact]
    public void Validate_ValidUnicode_Accepted()
    {
        var message = new HealthCheckRequest { Service = "日本語 ✓ émoji 🐼" };
        Utf8FieldValidator.Validate(HealthCheckRequest.Descriptor, message.ToByteArray());
    }

    [Fact]
    public void Validate_BadStringInsideAMapValue_Throws()
    {
        // Struct { map<string, Value> fields = 1; } with Value { string string_value = 3; }
        byte[] value = Field(Value.StringValueFieldNumber, Bad);
        byte[] entry = [.. Field(1, "key"u8.ToArray()), .. Field(2, value)];
        byte[] message = Field(Struct.FieldsFieldNumber, entry);
        var ex = Assert.Throws<MalformedMessageException>(() => Utf8FieldValidator.Validate(Struct.Descriptor, message));
        Assert.Contains("google.protobuf.Struct.fields.value.string_value", ex.Message);
    }

    [Fact]
    public void Validate_BadMapKey_Throws()
    {
        byte[] entry = Field(1, Bad);
        var ex = Assert.Throws<MalformedMessageException>(() => Utf8FieldValidator.Validate(Struct.Descriptor, Field(Struct.FieldsFieldNumber, entry)));
        Assert.Contains("google.protobuf.Struct.fields.key", ex.Message);
    }

    [Fact]
    public void Validate_BadBytesInABytesField_NotInspected()
    {
        // BytesValue { bytes value = 1; }: any bytes are fine.
        Utf8FieldValidator.Validate(BytesValue.Descriptor, Field(1, Bad));
    }

    [Fact]
    public void Validate_UnknownFieldWithBadBytes_Ignored()
    {
        Utf8FieldValidator.Validate(HealthCheckRequest.Descriptor, Field(9, Bad));
    }

    [Fact]
    public void Validate_StringSplitAcrossSegments_ChecksTheWholeString()
    {
        var good = new HealthCheckRequest { Service = new string('é', 40) }.ToByteArray();
        Utf8FieldValidator.Validate(HealthCheckRequest.Descriptor, Split(good, 7)); // splits inside two-byte characters

        byte[] bad = Field(HealthCheckRequest.ServiceFieldNumber, [.. "éééé"u8.ToArray(), 0xE2, 0x82, .. "x"u8.ToArray()]);
        Assert.Throws<MalformedMessageException>(() => Utf8FieldValidator.Validate(HealthCheckRequest.Descriptor, Split(bad, 3)));
    }

    [Fact]
    public void Validate_LengthPastTheEnd_Throws()
    {
        byte[] message = [(byte)((HealthCheckRequest.ServiceFieldNumber << 3) | 2), 50, 0x61];
        Assert.Throws<MalformedMessageException>(() => Utf8FieldValidator.Validate(HealthCheckRequest.Descriptor, message));
    }

    [Fact]
    public async Task ReadAsync_BadUtf8_InternalStatusNamingTheField()
    {
        // The server turns the reader's INTERNAL for an unreadable request into INVALID_ARGUMENT (functional tests).
        byte[] payload = Field(HealthCheckRequest.ServiceFieldNumber, Bad);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[] { 0, 0, 0, 0, (byte)payload.Length });
        await pipe.Writer.WriteAsync(payload);
        await pipe.Writer.CompleteAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await MessageReader.ReadAsync(pipe.Reader, HealthCheckRequest.Parser, 1024, null, CancellationToken.None));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains("not valid UTF-8", ex.Status.Detail);
    }

    private static ReadOnlySequence<byte> Split(byte[] bytes, int segmentLength)
    {
        Segment? first = null, last = null;
        for (int i = 0; i < bytes.Length; i += segmentLength)
        {
            var segment = new Segment(bytes.AsMemory(i, Math.Min(segmentLength, bytes.Length - i)), last);
            first ??= segment;
            last = segment;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
