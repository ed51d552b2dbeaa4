using System.IO.Compression;

namespace Diffusion.Testing.Otlp.Internal;

/// <summary>Bounded reads of request bodies and gzip payloads.</summary>
internal static class PayloadReader
{
    /// <summary>
    /// The largest message accepted before or after decompression. The .NET OTLP exporter refuses
    /// to send more than 64 MiB by default (the spec's recommended request limit).
    /// </summary>
    public const int MaxMessageBytes = 64 * 1024 * 1024;

    /// <summary>Reads <paramref name="source"/> to its end; throws <see cref="PayloadTooLargeException"/>
    /// past <paramref name="limit"/> bytes so a hostile or runaway body cannot exhaust memory.</summary>
    public static async Task<byte[]> ReadToEndAsync(Stream source, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        while (true)
        {
            var read = await source.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer.ToArray();
            }

            if (buffer.Length + read > limit)
            {
                throw new PayloadTooLargeException(limit);
            }

            buffer.Write(chunk, 0, read);
        }
    }

    /// <summary>Inflates a gzip member; corrupt input surfaces as <see cref="InvalidDataException"/>.</summary>
    public static async Task<byte[]> GunzipAsync(byte[] compressed, CancellationToken cancellationToken)
    {
        using var input = new MemoryStream(compressed, writable: false);
        await using var gzip = new GZipStream(input, CompressionMode.Decompress);
        return await ReadToEndAsync(gzip, MaxMessageBytes, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A body or decompressed payload exceeded <see cref="PayloadReader.MaxMessageBytes"/>.</summary>
internal sealed class PayloadTooLargeException(int limit)
    : Exception($"The OTLP payload exceeds the receiver's limit of {limit} bytes.");
