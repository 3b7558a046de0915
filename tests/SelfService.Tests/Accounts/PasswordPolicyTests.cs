using SelfService.Accounts;

namespace SelfService.Tests.Accounts;

/// <summary>What a password must be: long enough, not common, not the address; no composition rules.</summary>
public sealed class PasswordPolicyTests
{
    [Theory]
    [InlineData("short", "at least 12")]
    [InlineData("password1234", "most common")]
    [InlineData("QWERTYUIOP123", "most common")]
    [InlineData("ada.lovelace@example.com", "email address")]
    [InlineData("ada.lovelace", "email address")]
    [InlineData("correct horse battery staple", null)]
    [InlineData("twelve chars", null)]
    public void PasswordPolicy_LengthAddressAndCommonPasswords_NoCompositionRules(string password, string? problem)
    {
        var said = PasswordPolicy.Problem(password, "Ada.Lovelace@example.com");
        if (problem is null) Assert.Null(said);
        else Assert.Contains(problem, said);
    }
}
