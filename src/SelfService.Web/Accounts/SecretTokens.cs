using System.Security.Cryptography;
using System.Text;

namespace SelfService.Accounts;

/// <summary>
/// Random tokens handed to one person (a session cookie, a link in mail) and kept in the database only as a hash,
/// so a copy of the database opens nothing.
/// </summary>
public static class SecretTokens
{
    /// <summary>256 random bits, URL-safe.</summary>
    public static string New() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
