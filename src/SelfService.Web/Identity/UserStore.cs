using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.Identity;
using SelfService.Data;

namespace SelfService.Identity;

public sealed record AppUser
{
    public long Id { get; init; }
    public required string Email { get; init; }
    public required string DisplayName { get; init; }
    public string PasswordHash { get; init; } = "";
    public required string Role { get; init; }
    public long? CustomerId { get; init; }
    public string? CustomerKey { get; init; }
}

public sealed class UserStore(Db db)
{
    private static readonly PasswordHasher<AppUser> Hasher = new();

    internal string InsertUserSql => db.Dialect.InsertReturningId("AppUser", "Email", "DisplayName", "PasswordHash", "Role", "CustomerId", "CreatedAt");

    public Task<long> CreateAsync(DbConnection c, DbTransaction tx, AppUser user, string password, DateTime now) =>
        c.ExecuteScalarAsync<long>(InsertUserSql,
            new
            {
                Email = Normalize(user.Email), user.DisplayName, PasswordHash = Hasher.HashPassword(user, password),
                user.Role, user.CustomerId, CreatedAt = now,
            }, tx);

    private const string SelectUser = """
        select u.Id, u.Email, u.DisplayName, u.PasswordHash, u.Role, u.CustomerId, c.ExternalKey as CustomerKey
          from AppUser u
          left join Customer c on c.Id = u.CustomerId

        """;

    internal const string ByEmailSql = SelectUser + """
         where u.Email = @email
           and u.RemovedAt is null
        """;

    internal const string UpdateHashSql = "update AppUser set PasswordHash = @hash where Id = @id";

    /// <summary>The user whose password matches, or null. Rehashes a password stored with older settings.</summary>
    public async Task<AppUser?> VerifyAsync(string email, string password, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        var user = await connection.QuerySingleOrDefaultAsync<AppUser>(new CommandDefinition(ByEmailSql, new { email = Normalize(email) }, cancellationToken: ct));
        if (user is null)
        {
            // Spend the same time as a real check, so timing does not reveal which emails exist.
            Hasher.VerifyHashedPassword(DummyUser, DummyHash, password);
            return null;
        }
        var result = Hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed) return null;
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
            await connection.ExecuteAsync(new CommandDefinition(UpdateHashSql, new { hash = Hasher.HashPassword(user, password), id = user.Id }, cancellationToken: ct));
        return user;
    }

    internal const string ByIdSql = SelectUser + """
         where u.Id = @id
           and u.RemovedAt is null
        """;

    /// <summary>The signed-in (not removed) user, inside a transaction when one is given.</summary>
    public async Task<AppUser?> FindAsync(long id, DbConnection? c = null, DbTransaction? tx = null, CancellationToken ct = default)
    {
        await using var owned = c is null ? await db.OpenAsync(ct) : null;
        return await (c ?? owned!).QuerySingleOrDefaultAsync<AppUser>(new CommandDefinition(ByIdSql, new { id }, tx, cancellationToken: ct));
    }

    /// <summary>True when <paramref name="password"/> is the user's password now.</summary>
    public static bool Matches(AppUser user, string password) =>
        Hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;

    /// <summary>Stores a new password for the user, in the caller's transaction.</summary>
    public Task SetPasswordAsync(DbConnection c, DbTransaction tx, AppUser user, string password) =>
        c.ExecuteAsync(UpdateHashSql, new { hash = Hasher.HashPassword(user, password), id = user.Id }, tx);

    public static string HashFor(AppUser user, string password) => Hasher.HashPassword(user, password);

    public static string Normalize(string email) => email.Trim().ToLowerInvariant();

    private static readonly AppUser DummyUser = new() { Email = "", DisplayName = "", Role = Roles.Member };
    private static readonly string DummyHash = Hasher.HashPassword(DummyUser, Guid.NewGuid().ToString());
}
