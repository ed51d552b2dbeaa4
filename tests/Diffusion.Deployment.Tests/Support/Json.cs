using System.Text.Json;

namespace Diffusion.Deployment.Tests.Support;

/// <summary>Navigation over YAML-as-JSON documents with failures that name the missing path.</summary>
internal static class Json
{
    /// <summary>The value at a dotted path (<c>spec.template.spec</c>); fails when absent.</summary>
    public static JsonElement At(this JsonElement element, string path)
    {
        var current = element;
        foreach (var part in path.Split('.'))
        {
            Assert.True(current.ValueKind == JsonValueKind.Object && current.TryGetProperty(part, out current),
                $"'{path}' not found (at '{part}') in {Shorten(element)}");
        }
        return current;
    }

    /// <summary>The value at a dotted path, or null when any part is absent.</summary>
    public static JsonElement? Find(this JsonElement element, string path)
    {
        var current = element;
        foreach (var part in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
                return null;
        }
        return current;
    }

    /// <summary>A scalar as text (numbers and booleans as YAML wrote them).</summary>
    public static string Text(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        _ => throw new InvalidOperationException($"not a scalar: {Shorten(element)}"),
    };

    /// <summary>An array's items (empty when <paramref name="element"/> is null or not an array).</summary>
    public static IEnumerable<JsonElement> Items(this JsonElement? element) =>
        element is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    /// <summary>An array's items (empty when <paramref name="element"/> is not an array).</summary>
    public static IEnumerable<JsonElement> Items(this JsonElement element) => Items((JsonElement?)element);

    /// <summary>A mapping's entries as text.</summary>
    public static IReadOnlyDictionary<string, string> Map(this JsonElement element) =>
        element.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Text(), StringComparer.Ordinal);

    private static string Shorten(JsonElement element)
    {
        string text = element.GetRawText();
        return text.Length <= 300 ? text : text[..300] + "...";
    }
}
