using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Diffusion.Grpc.Framing;

/// <summary>
/// Checks that every <c>string</c> field of a serialized message holds valid UTF-8, as the protobuf
/// language guide requires and as the C++, Java and Go runtimes enforce when they parse. The C#
/// runtime instead replaces bad bytes with U+FFFD, so a prompt of invalid UTF-8 would silently
/// become another prompt; servers run this check on the wire bytes before parsing.
/// </summary>
/// <remarks>Only the parts of a message that can hold strings are walked: the bytes of other
/// fields (tensor data) are skipped without a copy. Malformed wire data is left to the parser,
/// except where the walk cannot go on.</remarks>
internal static class Utf8FieldValidator
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly ConcurrentDictionary<MessageDescriptor, bool> HoldsStrings = new();

    /// <summary>Throws <see cref="MalformedMessageException"/> naming the first string field that is not valid UTF-8.</summary>
    public static void Validate(MessageDescriptor descriptor, in ReadOnlySequence<byte> payload)
    {
        if (CanHoldStrings(descriptor)) Walk(descriptor, payload, descriptor.FullName, 0);
    }

    /// <inheritdoc cref="Validate(MessageDescriptor, in ReadOnlySequence{byte})"/>
    public static void Validate(MessageDescriptor descriptor, ReadOnlyMemory<byte> payload) =>
        Validate(descriptor, new ReadOnlySequence<byte>(payload));

    private static bool CanHoldStrings(MessageDescriptor descriptor) =>
        HoldsStrings.TryGetValue(descriptor, out bool holds) ? holds : HoldsStrings[descriptor] = Compute(descriptor, []);

    private static bool Compute(MessageDescriptor descriptor, HashSet<MessageDescriptor> visiting)
    {
        if (!visiting.Add(descriptor)) return false; // a cycle adds nothing new
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType == FieldType.String) return true;
            if (field.FieldType is FieldType.Message or FieldType.Group && Compute(field.MessageType, visiting)) return true;
        }
        return false;
    }

    private static void Walk(MessageDescriptor descriptor, in ReadOnlySequence<byte> data, string path, int depth)
    {
        if (depth > 100) throw new MalformedMessageException($"{path}: the message nests more than 100 levels deep.");
        var reader = new SequenceReader<byte>(data);
        while (!reader.End)
        {
            ulong tag = ReadVarint(ref reader, path);
            int number = (int)(tag >> 3);
            var wireType = (WireFormat.WireType)(tag & 7);
            switch (wireType)
            {
                case WireFormat.WireType.Varint:
                    ReadVarint(ref reader, path);
                    break;
                case WireFormat.WireType.Fixed64:
                    Skip(ref reader, 8, path);
                    break;
                case WireFormat.WireType.Fixed32:
                    Skip(ref reader, 4, path);
                    break;
                case WireFormat.WireType.LengthDelimited:
                {
                    ulong length = ReadVarint(ref reader, path);
                    if (length > (ulong)reader.Remaining)
                        throw new MalformedMessageException($"{path}: field {number} is longer than the message.");
                    var value = reader.UnreadSequence.Slice(0, (long)length);
                    reader.Advance((long)length);
                    var field = descriptor.FindFieldByNumber(number);
                    if (field is null) break;
                    if (field.FieldType == FieldType.String)
                        CheckUtf8(value, $"{path}.{field.Name}");
                    else if (field.FieldType == FieldType.Message && CanHoldStrings(field.MessageType))
                        Walk(field.MessageType, value, $"{path}.{field.Name}", depth + 1);
                    break;
                }
                case WireFormat.WireType.StartGroup:
                case WireFormat.WireType.EndGroup:
                    // proto2 groups: none of our messages have them; the parser reports malformed ones.
                    break;
                default:
                    throw new MalformedMessageException($"{path}: field {number} has the invalid wire type {(int)wireType}.");
            }
        }
    }

    private static void CheckUtf8(in ReadOnlySequence<byte> value, string field)
    {
        try
        {
            if (value.IsSingleSegment) Strict.GetCharCount(value.FirstSpan);
            else Strict.GetCharCount(value.ToArray());
        }
        catch (DecoderFallbackException ex)
        {
            string at = ex.Index >= 0 ? $" at byte {ex.Index}" : "";
            throw new MalformedMessageException($"string field '{field}' is not valid UTF-8{at}: send text encoded as UTF-8.");
        }
    }

    private static ulong ReadVarint(ref SequenceReader<byte> reader, string path)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out byte b)) throw new MalformedMessageException($"{path}: the message ends inside a varint.");
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new MalformedMessageException($"{path}: a varint is longer than 10 bytes.");
    }

    private static void Skip(ref SequenceReader<byte> reader, int count, string path)
    {
        if (reader.Remaining < count) throw new MalformedMessageException($"{path}: the message ends inside a field.");
        reader.Advance(count);
    }
}

/// <summary>A message the protobuf runtime parsed but the protobuf rules forbid (a string field that is not UTF-8).</summary>
internal sealed class MalformedMessageException(string message) : FormatException(message);
