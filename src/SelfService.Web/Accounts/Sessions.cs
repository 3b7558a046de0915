using System.Data.Common;
using Dapper;
using SelfService.Data;
using SelfService.Identity;

namespace SelfService.Accounts;

public static class SessionEndReasons
{
    public const string SignedOut = "signed-out";
    public const string Removed = "removed";
    public const string RoleChanged = "role-changed";
    public const string PasswordReset = "password-reset";
    public const string PasswordChanged = "password-changed";
    public const string IdleTimeout = "idle-timeout";
    public const string AbsoluteTimeout = "absolute-timeout";
}

/// <summary>
/// Sessions live in the database: the cookie carries only a random token, whose hash names a <c>UserSession</c> row.
/// Every request checks the row, so ending it (sign-out, removal, a role change, a new password) ends the session
/// at once on every instance, and a cookie saved earlier opens nothing.
/// </summary>
public sealed class SessionStore(Db db, TimeProvider clock)
{
    /// <summary>How stale <c>LastSeenAt</c> may get before a request refreshes it (one write a minute, not one per request).</summary>
    private static readonly TimeSpan TouchEvery = TimeSpan.FromMinutes(1);

    /// <summary>Starts a session and returns the token for the cookie (never stored).</summary>
    public async Task<string> StartAsync(long userId, string? clientAddress, CancellationToken ct = default)
    {
        var token = SecretTokens.New();
        var now = clock.GetUtcNow().UtcDateTime;
        await db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync("""
                insert into UserSession (Id, UserId, CreatedAt, LastSeenAt, ClientAddress)
                values (@id, @userId, @now, @now, @clientAddress)
                """, new { id = Hash(token), userId, now, clientAddress }, tx);
            await c.ExecuteAsync("update AppUser set LastSignInAt = @now where Id = @userId", new { now, userId }, tx);
        }, ct);
        return token;
    }

    internal const string ActiveSql = """
        select s.UserId, s.CreatedAt, s.LastSeenAt, s.EndedAt, u.RemovedAt
          from UserSession s
          join AppUser u on u.Id = s.UserId
         where s.Id = @id
        """;

    private sealed record SessionRow
    {
        public long UserId { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime LastSeenAt { get; init; }
        public DateTime? EndedAt { get; init; }
        public DateTime? RemovedAt { get; init; }
    }

    /// <summary>True when the session is open for this user now; refreshes its last-seen time. Ends it when a timeout has passed.</summary>
    public async Task<bool> ValidateAsync(string token, long userId, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var id = Hash(token);
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<SessionRow>(new CommandDefinition(ActiveSql, new { id }, cancellationToken: ct));
        if (row is null || row.UserId != userId || row.EndedAt is not null || row.RemovedAt is not null) return false;
        string? timedOut = now - row.CreatedAt > IdentitySetup.AbsoluteTimeout ? SessionEndReasons.AbsoluteTimeout
            : now - row.LastSeenAt > IdentitySetup.IdleTimeout ? SessionEndReasons.IdleTimeout
            : null;
        if (timedOut is not null)
        {
            await c.ExecuteAsync(new CommandDefinition("update UserSession set EndedAt = @now, EndReason = @reason where Id = @id and EndedAt is null",
                new { id, now, reason = timedOut }, cancellationToken: ct));
            return false;
        }
        if (now - row.LastSeenAt >= TouchEvery)
            await c.ExecuteAsync(new CommandDefinition("update UserSession set LastSeenAt = @now where Id = @id", new { id, now }, cancellationToken: ct));
        return true;
    }

    public async Task EndAsync(string token, string reason, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition("update UserSession set EndedAt = @now, EndReason = @reason where Id = @id and EndedAt is null",
            new { id = Hash(token), now = clock.GetUtcNow().UtcDateTime, reason }, cancellationToken: ct));
    }

    /// <summary>Ends every open session of a user (but <paramref name="exceptToken"/>'s), in the caller's transaction.</summary>
    public Task<int> EndAllForUserAsync(DbConnection c, DbTransaction tx, long userId, string reason, string? exceptToken = null) =>
        c.ExecuteAsync("""
            update UserSession
               set EndedAt = @now, EndReason = @reason
             where UserId = @userId
               and EndedAt is null
               and Id <> @except
            """, new { userId, reason, now = clock.GetUtcNow().UtcDateTime, except = exceptToken is null ? "" : Hash(exceptToken) }, tx);

    public async Task<int> OpenCountAsync(long userId)
    {
        await using var c = await db.OpenAsync();
        return await c.ExecuteScalarAsync<int>("select count(*) from UserSession where UserId = @userId and EndedAt is null", new { userId });
    }

    internal static string Hash(string token) => SecretTokens.Hash(token);
}
