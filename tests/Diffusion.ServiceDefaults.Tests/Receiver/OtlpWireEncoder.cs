using System.Text;
using Google.Protobuf;

namespace Diffusion.ServiceDefaults.Tests.Receiver;

/// <summary>
/// Writes OTLP messages field by field with the field numbers of the public opentelemetry-proto
/// spec, independently of the receiver's generated types, so a wrong number on either side shows.
/// </summary>
internal static class OtlpWireEncoder
{
    public static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        write(output);
        output.Flush();
        return buffer.ToArray();
    }

    public static void Nested(CodedOutputStream output, int field, Action<CodedOutputStream> write)
    {
        var bytes = Message(write);
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(bytes));
    }

    public static void String(CodedOutputStream output, int field, string value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }

    public static void Bytes(CodedOutputStream output, int field, byte[] value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(value));
    }

    public static void Fixed64(CodedOutputStream output, int field, ulong value)
    {
        output.WriteTag(field, WireFormat.WireType.Fixed64);
        output.WriteFixed64(value);
    }

    public static void Varint(CodedOutputStream output, int field, long value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt64(value);
    }

    /// <summary>common.v1.KeyValue: key = 1, value = 2 (an AnyValue written by <paramref name="value"/>).</summary>
    public static void Attribute(CodedOutputStream output, int field, string key, Action<CodedOutputStream> value) =>
        Nested(output, field, kv =>
        {
            String(kv, 1, key);
            Nested(kv, 2, value);
        });

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
