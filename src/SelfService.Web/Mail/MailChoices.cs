using System.Data.Common;
using System.Globalization;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using SelfService.Data;

namespace SelfService.Mail;

/// <summary>
/// Which kinds of mail a person wants, and the one-click unsubscribe of each kind. Usage alerts go by mail only to
/// people who chose e-mail for them; request decisions and grants ending go by mail unless the person turned them off.
/// Every such message carries a link, and the <c>List-Unsubscribe</c> headers (RFC 8058), that turn its kind off.
/// </summary>
public sealed class MailChoices(Db db, IDataProtectionProvider protection, PublicUrl publicUrl, TimeProvider clock)
{
    public const string Usage = "usage";
    public const string Requests = "requests";
    public const string Grants = "grants";

    public static readonly IReadOnlyDictionary<string, string> Kinds = new Dictionary<string, string>
    {
        [Usage] = "usage alerts",
        [Requests] = "decisions on your requests",
        [Grants] = "temporary access ending",
    };

    private readonly IDataProtector _protector = protection.CreateProtector("SelfService.Mail.Unsubscribe");

    internal const string ChoicesSql = "select Kind, Enabled from MailChoice where UserId = @userId";

    /// <summary>Every kind with whether this person gets it by mail (a kind never chosen is on).</summary>
    public async Task<IReadOnlyDictionary<string, bool>> ForUserAsync(long userId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<(string Kind, int Enabled)>(new CommandDefinition(ChoicesSql, new { userId }, cancellationToken: ct))).ToDictionary(r => r.Kind, r => r.Enabled != 0);
        return Kinds.Keys.ToDictionary(k => k, k => rows.GetValueOrDefault(k, true));
    }

    internal const string WantsSql = "select Enabled from MailChoice where UserId = @userId and Kind = @kind";

    /// <summary>Whether this person takes mail of <paramref name="kind"/>, read in the caller's transaction.</summary>
    public async Task<bool> WantsAsync(DbConnection c, DbTransaction tx, long userId, string kind) =>
        (await c.ExecuteScalarAsync<int?>(WantsSql, new { userId, kind }, tx) ?? 1) != 0;

    internal string UpsertSql => db.Dialect.Upsert("MailChoice", ["UserId", "Kind", "Enabled", "UpdatedAt"], ["UserId", "Kind"],
        v => $"Enabled = {v("Enabled")}, UpdatedAt = {v("UpdatedAt")}");

    public async Task SetAsync(long userId, string kind, bool enabled, CancellationToken ct = default)
    {
        if (!Kinds.ContainsKey(kind)) throw new ArgumentException($"Unknown mail kind '{kind}'.", nameof(kind));
        var now = clock.GetUtcNow().UtcDateTime;
        await db.WriteAsync((c, tx) => c.ExecuteAsync(UpsertSql, new { UserId = userId, Kind = kind, Enabled = enabled ? 1 : 0, UpdatedAt = now }, tx), ct);
    }

    /// <summary>The unsubscribe address for one person and kind: it carries its own proof, so it works signed out.</summary>
    public string UnsubscribeLink(long userId, string kind) =>
        publicUrl.Link("/unsubscribe/" + _protector.Protect($"{userId.ToString(CultureInfo.InvariantCulture)}:{kind}"));

    /// <summary>The person and kind an unsubscribe token names; null when it was not made here or was altered.</summary>
    public (long UserId, string Kind)? Read(string token)
    {
        try
        {
            var parts = _protector.Unprotect(token).Split(':', 2);
            return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) && Kinds.ContainsKey(parts[1])
                ? (id, parts[1]) : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    /// <summary>A message of one kind with its unsubscribe line and headers.</summary>
    public MailDraft WithUnsubscribe(MailDraft draft, long userId, string kind)
    {
        var link = UnsubscribeLink(userId, kind);
        return draft with
        {
            TextBody = draft.TextBody + $"\nNo more mail about {Kinds[kind]}: {link}\n",
            HtmlBody = draft.HtmlBody.Replace("</body>", $"<p style=\"font-size:.85rem;color:#52606d\"><a href=\"{System.Net.WebUtility.HtmlEncode(link)}\">No more mail about {Kinds[kind]}</a></p></body>"),
            Headers = new Dictionary<string, string> { ["List-Unsubscribe"] = $"<{link}>", ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click" },
        };
    }
}
