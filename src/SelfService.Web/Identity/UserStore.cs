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

    public Task<long> CreateAsync(DbConnection c, DbTransaction tx, AppUser user, string password, DateTime now) =>
        c.ExecuteScalarAsync<long>(db.Dialect.InsertReturningId("AppUser", "Email", "DisplayName", "PasswordHash", "Role", "CustomerId", "CreatedAt"),
            new
            {
                Email = Normalize(user.Email), user.DisplayName, PasswordHash = Hasher.HashPassword(user, password),
                user.Role, user.CustomerId, CreatedAt = now,
            }, tx);

    internal const string ByEmailSql = """
        select u.Id, u.Email, u.DisplayName, u.PasswordHash, u.Role, u.CustomerId, c.ExternalKey as CustomerKey
          from AppUser u
          left join Customer c on c.Id = u.CustomerId
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

    public static string Normalize(string email) => email.Trim().ToLowerInvariant();

    private static readonly AppUser DummyUser = new() { Email = "", DisplayName = "", Role = Roles.Member };
    private static readonly string DummyHash = Hasher.HashPassword(DummyUser, Guid.NewGuid().ToString());
}
