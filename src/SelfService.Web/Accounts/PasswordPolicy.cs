using System.Collections.Frozen;

namespace SelfService.Accounts;

/// <summary>
/// What a new password must be (NIST SP 800-63B, as GitHub and Stripe do it): long enough, not the person's address,
/// not one of the passwords people pick most. No composition rules.
/// </summary>
public static class PasswordPolicy
{
    public const int MinLength = 12;

    /// <summary>Long enough for any passphrase, short enough that hashing it costs nothing unusual.</summary>
    public const int MaxLength = 200;

    // The most common passwords, from the zxcvbn-core package's frequency list (the one Dropbox's zxcvbn ships).
    private static readonly Lazy<FrozenSet<string>> Common = new(() =>
    {
        using var stream = typeof(Zxcvbn.Zxcvbn).Assembly.GetManifestResourceStream("zxcvbn-core.Dictionaries.passwords.lst")
            ?? throw new InvalidOperationException("zxcvbn-core no longer carries its password list.");
        using var reader = new StreamReader(stream);
        var words = new List<string>();
        while (reader.ReadLine() is { } line)
            if (line.Trim() is { Length: > 0 } word) words.Add(word.ToLowerInvariant());
        return words.ToFrozenSet(StringComparer.Ordinal);
    });

    /// <summary>Why <paramref name="password"/> cannot be the password of <paramref name="email"/>, or null when it can.</summary>
    public static string? Problem(string? password, string email)
    {
        if (string.IsNullOrEmpty(password)) return "Enter a password.";
        if (password.Length < MinLength) return $"Use at least {MinLength} characters; a few words together are easy to remember.";
        if (password.Length > MaxLength) return $"Use at most {MaxLength} characters.";
        var lower = password.Trim().ToLowerInvariant();
        var address = email.Trim().ToLowerInvariant();
        var local = address.Split('@')[0];
        if (lower == address || (local.Length > 0 && lower == local)) return "Do not use your email address as your password.";
        if (IsCommon(lower)) return "This is one of the most common passwords; choose one that is harder to guess.";
        return null;
    }

    public static bool IsCommon(string password) => Common.Value.Contains(password.ToLowerInvariant());
}
