using Dapper;
using SelfService.Audit;
using SelfService.Data;
using SelfService.Identity;
using SelfService.Mail;

namespace SelfService.Accounts;

public enum LinkState { Valid, Unknown, Expired, Used }

/// <summary>A password-reset link as its page needs it.</summary>
public sealed record ResetLink(LinkState State, string? Email = null);

/// <summary>
/// Changing a password (signed in, the current one required) and resetting a forgotten one by mail. A reset link
/// is single-use, valid <see cref="ResetValidFor"/>, stored only as a hash; a new password ends the user's other
/// sessions on every instance.
/// </summary>
public sealed class Passwords(Db db, Mailer mailer, PublicUrl publicUrl, UserStore users, SessionStore sessions, AuditLog audit,
    TimeProvider clock, ILogger<Passwords> logger)
{
    public static readonly TimeSpan ResetValidFor = TimeSpan.FromHours(1);

    /// <summary>
    /// At most this many reset mails to one account an hour, whoever asks and from wherever: a stranger cannot flood an
    /// inbox, and the owner still has the links already sent (each valid an hour).
    /// </summary>
    public const int ResetMailsPerHour = 3;

    public const string ResetMailKind = "password-reset";
    public const string ChangedMailKind = "password-changed";

    public static string ResetPath(string token) => $"/account/reset-password/{token}";

    /// <summary>Changes the password of a signed-in user; their other sessions end, the current one stays.</summary>
    /// <returns>Null when changed, otherwise what is wrong with which field.</returns>
    public async Task<(string Field, string Message)?> ChangeAsync(long userId, string currentSession, string current, string next, CancellationToken ct = default)
    {
        var user = await users.FindAsync(userId, ct: ct);
        if (user is null) return ("", "Your account no longer exists.");
        if (!UserStore.Matches(user, current)) return ("CurrentPassword", "That is not your current password.");
        if (PasswordPolicy.Problem(next, user.Email) is { } problem) return ("NewPassword", problem);
        if (UserStore.Matches(user, next)) return ("NewPassword", "That is your current password; choose a new one.");
        var now = clock.GetUtcNow().UtcDateTime;
        await mailer.WriteAsync(async (c, tx, mail) =>
        {
            await users.SetPasswordAsync(c, tx, user, next);
            var ended = await sessions.EndAllForUserAsync(c, tx, user.Id, SessionEndReasons.PasswordChanged, exceptToken: currentSession);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = user.Email, CustomerId = user.CustomerId, Kind = AuditKinds.PasswordChanged, Subject = $"password of {user.Email}",
                NewValue = ended == 0 ? "no other session was open" : $"{ended} other session(s) signed out",
            });
            await mail.QueueAsync(c, tx, ChangedMail(user, "changed"));
            return true;
        }, ct);
        return null;
    }

    internal string InsertResetSql => db.Dialect.InsertReturningId("PasswordReset", "UserId", "TokenHash", "CreatedAt", "ExpiresAt");

    /// <summary>
    /// Sends a reset link when <paramref name="email"/> belongs to an active user and the account has not had
    /// <see cref="ResetMailsPerHour"/> links this hour. Says nothing either way: the page answers the same.
    /// </summary>
    public async Task RequestResetAsync(string email, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var address = UserStore.Normalize(email);
        await mailer.WriteAsync(async (c, tx, mail) =>
        {
            var user = await c.QuerySingleOrDefaultAsync<AppUser>(UserStore.ByEmailSql, new { email = address }, tx);
            if (user is null) return false;
            var recent = await c.ExecuteScalarAsync<int>(RecentResetsSql, new { userId = user.Id, since = now.AddHours(-1) }, tx);
            if (recent >= ResetMailsPerHour)
            {
                logger.LogWarning("Password reset for user {UserId} not sent: {Recent} links this hour already", user.Id, recent);
                return false;
            }
            var token = SecretTokens.New();
            await c.ExecuteAsync(InsertResetSql,
                new { UserId = user.Id, TokenHash = SecretTokens.Hash(token), CreatedAt = now, ExpiresAt = now + ResetValidFor }, tx);
            await mail.QueueAsync(c, tx, MailDraft.Compose(ResetMailKind, user.Email, user.DisplayName, "Reset your SelfService password",
                [$"Hello {user.DisplayName},", "Someone (we hope you) asked to reset the password of your SelfService account. The link works once, for the next hour."],
                ("Choose a new password", publicUrl.Link(ResetPath(token))),
                ["If you did not ask for this, ignore this message: your password stays as it is."]));
            return true;
        }, ct);
    }

    internal const string RecentResetsSql = "select count(*) from PasswordReset where UserId = @userId and CreatedAt >= @since";

    internal const string LinkSql = """
        select r.Id, r.UserId, r.ExpiresAt, r.UsedAt, u.Email
          from PasswordReset r
          join AppUser u on u.Id = r.UserId
         where r.TokenHash = @hash
           and u.RemovedAt is null
        """;

    private sealed record LinkRow
    {
        public long Id { get; init; }
        public long UserId { get; init; }
        public DateTime ExpiresAt { get; init; }
        public DateTime? UsedAt { get; init; }
        public string Email { get; init; } = "";

        public LinkState StateAt(DateTime now) => UsedAt is not null ? LinkState.Used : ExpiresAt <= now ? LinkState.Expired : LinkState.Valid;
    }

    public async Task<ResetLink> FindResetAsync(string token, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<LinkRow>(new CommandDefinition(LinkSql, new { hash = SecretTokens.Hash(token) }, cancellationToken: ct));
        return row is null ? new ResetLink(LinkState.Unknown) : new ResetLink(row.StateAt(clock.GetUtcNow().UtcDateTime), row.Email);
    }

    internal const string UseLinkSql = "update PasswordReset set UsedAt = @now where Id = @id and UsedAt is null and ExpiresAt > @now";

    // Every other open link of the user dies with the reset: a link mailed earlier must not undo the new password.
    internal const string UseOtherLinksSql = "update PasswordReset set UsedAt = @now where UserId = @userId and UsedAt is null";

    /// <summary>Sets a new password through a reset link and ends every session of the user.</summary>
    /// <returns>The link's state (Valid when the password was set) and, for a valid link and a bad password, why.</returns>
    public async Task<(LinkState State, string? Problem)> ResetAsync(string token, string password, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await mailer.WriteAsync<(LinkState, string?)>(async (c, tx, mail) =>
        {
            var row = await c.QuerySingleOrDefaultAsync<LinkRow>(LinkSql, new { hash = SecretTokens.Hash(token) }, tx);
            if (row is null) return (LinkState.Unknown, null);
            if (row.StateAt(now) is not LinkState.Valid and var state) return (state, null);
            var user = await users.FindAsync(row.UserId, c, tx, ct);
            if (user is null) return (LinkState.Unknown, null);
            if (PasswordPolicy.Problem(password, user.Email) is { } problem) return (LinkState.Valid, problem);
            // The conditional update is the single use: of two submits at once, one changes the row, the other sees it used.
            if (await c.ExecuteAsync(UseLinkSql, new { id = row.Id, now }, tx) == 0) return (LinkState.Used, null);
            await c.ExecuteAsync(UseOtherLinksSql, new { userId = user.Id, now }, tx);
            await users.SetPasswordAsync(c, tx, user, password);
            var ended = await sessions.EndAllForUserAsync(c, tx, user.Id, SessionEndReasons.PasswordReset);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = user.Email, CustomerId = user.CustomerId, Kind = AuditKinds.PasswordReset, Subject = $"password of {user.Email}",
                NewValue = ended == 0 ? "no session was open" : $"{ended} session(s) signed out", Reason = "reset through a link sent by mail",
            });
            await mail.QueueAsync(c, tx, ChangedMail(user, "reset"));
            return (LinkState.Valid, null);
        }, ct);
    }

    private MailDraft ChangedMail(AppUser user, string how) => MailDraft.Compose(ChangedMailKind, user.Email, user.DisplayName,
        "Your SelfService password was changed",
        [$"Hello {user.DisplayName},", $"The password of your SelfService account was {how}, and every other browser signed in to it was signed out."],
        ("Sign in", publicUrl.Link("/account/sign-in")),
        ["If this was not you, reset your password now from the sign-in page (\"Forgot your password?\") and tell your account's Owner."]);
}
