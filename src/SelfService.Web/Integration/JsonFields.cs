using System.Globalization;
using System.Text.Json;

namespace SelfService.Integration;

/// <summary>Problems with a request, by field path (<c>addOns[1].quantity</c>); every one is reported at once.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}

/// <summary>
/// Reads a JSON object field by field, recording every missing, mistyped or out-of-range field under its path,
/// and every field it does not know, so one answer names all that is wrong.
/// </summary>
public sealed class JsonFields
{
    private readonly JsonElement _object;
    private readonly string _prefix;
    private readonly FieldErrors _errors;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private JsonFields(JsonElement obj, string prefix, FieldErrors errors) => (_object, _prefix, _errors) = (obj, prefix, errors);

    /// <summary>The body's fields, or null (with an error) when the body is not a JSON object.</summary>
    public static JsonFields? Of(JsonElement root, FieldErrors errors)
    {
        if (root.ValueKind == JsonValueKind.Object) return new JsonFields(root, "", errors);
        errors.Add("$", "The body must be a JSON object.");
        return null;
    }

    public string PathOf(string name) => _prefix.Length == 0 ? name : $"{_prefix}.{name}";

    public void Fail(string name, string message) => _errors.Add(PathOf(name), message);

    private JsonElement? Get(string name, bool required)
    {
        _read.Add(name);
        if (_object.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null) return value;
        if (required) Fail(name, "Required.");
        return null;
    }

    public JsonElement? Value(string name, bool required) => Get(name, required);

    public string? String(string name, bool required, int maxLength)
    {
        if (Get(name, required) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.String) { Fail(name, "Must be a string."); return null; }
        var s = v.GetString()!.Trim();
        if (s.Length == 0) { Fail(name, required ? "Required." : "Must not be empty."); return null; }
        if (s.Length > maxLength) { Fail(name, $"At most {maxLength} characters."); return null; }
        if (SelfService.Api.JsonBody.HasControlCharacters(s)) { Fail(name, "Must not contain control characters."); return null; }
        return s;
    }

    public int? Integer(string name, bool required, int min, int max)
    {
        if (Get(name, required) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n)) { Fail(name, "Must be a whole number."); return null; }
        if (n < min || n > max) { Fail(name, $"Must be between {min} and {max}."); return null; }
        return n;
    }

    /// <summary>An ISO 8601 instant with an offset or Z (<c>2026-12-01T00:00:00Z</c>), as UTC.</summary>
    public DateTime? Instant(string name)
    {
        if (Get(name, required: false) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            && HasOffset(v.GetString()!))
            return t.UtcDateTime;
        Fail(name, "Must be an ISO 8601 instant with an offset, such as 2026-12-01T00:00:00Z.");
        return null;
    }

    private static bool HasOffset(string s) =>
        s.EndsWith('Z') || s.EndsWith('z') || (s.Length > 6 && s[^6] is '+' or '-' && s[^3] == ':');

    /// <summary>A nested object (absent: null), whose fields read with the path <c>name.field</c>.</summary>
    public JsonFields? Object(string name)
    {
        if (Get(name, required: false) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Object) return new JsonFields(v, PathOf(name), _errors);
        Fail(name, "Must be an object.");
        return null;
    }

    /// <summary>An array of objects (absent: null); each element reads with the path <c>name[i]</c>.</summary>
    public IReadOnlyList<JsonFields>? Objects(string name)
    {
        if (Get(name, required: false) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Array) { Fail(name, "Must be an array."); return null; }
        var list = new List<JsonFields>();
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            var path = $"{PathOf(name)}[{i++}]";
            if (item.ValueKind == JsonValueKind.Object) list.Add(new JsonFields(item, path, _errors));
            else _errors.Add(path, "Must be an object.");
        }
        return list;
    }

    /// <summary>An array of strings (absent: null); a bad element fails with the path <c>name[i]</c> and reads as null.</summary>
    public IReadOnlyList<string?>? Strings(string name)
    {
        if (Get(name, required: false) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Array) { Fail(name, "Must be an array of strings."); return null; }
        var list = new List<string?>();
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            var path = $"{PathOf(name)}[{i++}]";
            if (item.ValueKind == JsonValueKind.String && !SelfService.Api.JsonBody.HasControlCharacters(item.GetString()!)) list.Add(item.GetString());
            else { _errors.Add(path, "Must be a string without control characters."); list.Add(null); }
        }
        return list;
    }

    /// <summary>Records every field of the object that was not read: a misspelt field must not pass silently.</summary>
    public void RejectUnknown()
    {
        foreach (var property in _object.EnumerateObject())
            if (!_read.Contains(property.Name)) Fail(property.Name, "Not a known field.");
    }
}
