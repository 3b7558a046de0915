using System.Text.Json;
using System.Text.Unicode;

namespace SelfService.Api;

/// <summary>
/// Parses a request body as JSON the way every write endpoint must: a UTF-8 byte-order mark is skipped, and a body whose
/// text is not Unicode (invalid UTF-8, or an escaped lone surrogate such as <c>"\ud800"</c>) is refused with 400 naming
/// each field that holds such text, instead of failing later when a handler reads the string.
/// </summary>
public static class JsonBody
{
    public const string NotText = "Must be valid Unicode text (UTF-8, with no lone surrogate).";

    /// <summary>The parsed document, or the problem to answer with.</summary>
    public static (JsonDocument? Document, IResult? Problem) Parse(ReadOnlyMemory<byte> bytes, int maxDepth = 64)
    {
        if (bytes.Span.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException e)
        {
            return (null, ApiProblems.Problem(StatusCodes.Status400BadRequest, ApiProblems.MalformedJson, "The body is not valid JSON.", e.Message));
        }
        // The fast common case: valid UTF-8 with no \uD800-\uDFFF escape cannot hold text that fails to decode.
        if (Utf8.IsValid(bytes.Span) && !HasSurrogateEscape(bytes.Span)) return (document, null);

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        FindUndecodable(document.RootElement, "", errors);
        if (errors.Count == 0) return (document, null);
        document.Dispose();
        return (null, ApiProblems.ValidationFailed(errors, $"{errors.Count} field(s) hold text that is not valid Unicode; nothing was stored."));
    }

    private static bool HasSurrogateEscape(ReadOnlySpan<byte> span)
    {
        for (var at = span.IndexOf("\\u"u8); at >= 0 && at + 2 < span.Length; )
        {
            if (span[at + 2] is (byte)'d' or (byte)'D' && at + 3 < span.Length && span[at + 3] is >= (byte)'8' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F')
                return true;
            var next = span[(at + 2)..].IndexOf("\\u"u8);
            at = next < 0 ? -1 : at + 2 + next;
        }
        return false;
    }

    private static void FindUndecodable(JsonElement element, string path, Dictionary<string, string[]> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        errors[path.Length == 0 ? "$" : path] = ["Has a field name that is not valid Unicode text."];
                        continue;
                    }
                    FindUndecodable(property.Value, path.Length == 0 ? name : $"{path}.{name}", errors);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray()) FindUndecodable(item, $"{path}[{i++}]", errors);
                break;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                }
                catch (InvalidOperationException)
                {
                    errors[path.Length == 0 ? "$" : path] = [NotText];
                }
                break;
        }
    }

    /// <summary>Control characters (NUL and the like) that no name, code or reason holds, and that some databases cannot store.</summary>
    public static bool HasControlCharacters(string s)
    {
        foreach (var ch in s)
            if (char.IsControl(ch) && ch is not ('\t' or '\n' or '\r')) return true;
        return false;
    }
}
