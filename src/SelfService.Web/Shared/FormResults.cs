namespace SelfService.Shared;

/// <summary>Field name → message, keyed by the input's property path (<c>Handle</c>, <c>Entitlements[2].Value</c>).</summary>
public sealed class InputErrors : Dictionary<string, string>
{
    /// <summary>Keeps the first message for a field.</summary>
    public new void Add(string field, string message) => TryAdd(field, message);
}

/// <summary>The outcome of a change a form asked for: what it made, or why nothing was saved (errors by field).</summary>
public sealed record EditResult<T>(T? Value, InputErrors Errors)
{
    public bool Ok => Errors.Count == 0;
    public static EditResult<T> Success(T value) => new(value, []);
    public static EditResult<T> Failed(InputErrors errors) => new(default, errors);
    public static EditResult<T> Failed(string field, string message) => new(default, new InputErrors { [field] = message });
}

public static class FormErrors
{
    /// <summary>The error key meaning "what the form names does not exist": pages answer 404 for it.</summary>
    public const string NotFoundField = "";

    /// <summary>The error key of a message about the whole form rather than one field (shown above it).</summary>
    public const string FormField = "*";
}
