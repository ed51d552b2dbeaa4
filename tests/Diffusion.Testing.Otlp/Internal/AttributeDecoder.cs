using Diffusion.Testing.Otlp.Protocol.Common;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Diffusion.Testing.Otlp.Internal;

/// <summary>Maps OTLP <c>AnyValue</c>/<c>KeyValue</c> to plain CLR values for assertions.</summary>
internal static class AttributeDecoder
{
    public static IReadOnlyDictionary<string, object?> Decode(RepeatedField<KeyValue> attributes)
    {
        var result = new Dictionary<string, object?>(attributes.Count, StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            // OTLP says keys are unique; if a producer repeats one anyway, the last value wins,
            // which is what a collector's map would hold too.
            result[attribute.Key] = Decode(attribute.Value);
        }

        return result;
    }

    public static object? Decode(AnyValue? value) => value?.ValueCase switch
    {
        null or AnyValue.ValueOneofCase.None => null,
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue,
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue,
        AnyValue.ValueOneofCase.BytesValue => value.BytesValue.ToByteArray(),
        AnyValue.ValueOneofCase.ArrayValue => value.ArrayValue.Values.Select(Decode).ToArray(),
        AnyValue.ValueOneofCase.KvlistValue => Decode(value.KvlistValue.Values),
        _ => throw new InvalidDataException($"Unknown AnyValue case {value.ValueCase}."),
    };

    /// <summary>Lowercase hex of a trace or span id, or null when the field is empty.</summary>
    public static string? Id(ByteString id) => id.IsEmpty ? null : Convert.ToHexStringLower(id.Span);
}
