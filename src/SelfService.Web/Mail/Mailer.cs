using System.Data.Common;
using System.Net;
using Dapper;
using Hangfire;
using SelfService.Data;

namespace SelfService.Mail;

/// <summary>A message to one person: a plain-text body and an HTML body saying the same.</summary>
public sealed record MailDraft(string Kind, string ToAddress, string? ToName, string Subject, string TextBody, string HtmlBody)
{
    /// <summary>Extra headers (List-Unsubscribe, List-Unsubscribe-Post), name → value.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>The headers as stored: one "Name: value" a line.</summary>
    public static string? FormatHeaders(IReadOnlyDictionary<string, string>? headers) =>
        headers is null || headers.Count == 0 ? null : string.Join("\n", headers.Select(h => $"{h.Key}: {h.Value}"));

    /// <summary>
    /// A message of paragraphs and at most one call to action, as text and as HTML (every value HTML-encoded).
    /// </summary>
    public static MailDraft Compose(string kind, string toAddress, string? toName, string subject, IReadOnlyList<string> paragraphs,
        (string Label, string Url)? action = null, IReadOnlyList<string>? footer = null)
    {
        var text = new System.Text.StringBuilder();
        var html = new System.Text.StringBuilder();
        html.Append("<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1f2933;max-width:36rem\">");
        foreach (var p in paragraphs)
        {
            text.Append(p).Append("\n\n");
            html.Append("<p>").Append(WebUtility.HtmlEncode(p)).Append("</p>");
        }
        if (action is { } a)
        {
            text.Append(a.Label).Append(": ").Append(a.Url).Append("\n\n");
            html.Append("<p><a href=\"").Append(WebUtility.HtmlEncode(a.Url))
                .Append("\" style=\"display:inline-block;padding:.6rem 1rem;background:#1d4ed8;color:#fff;border-radius:.4rem;text-decoration:none\">")
                .Append(WebUtility.HtmlEncode(a.Label)).Append("</a></p>")
                .Append("<p style=\"font-size:.85rem;color:#52606d\">Or open this link: ").Append(WebUtility.HtmlEncode(a.Url)).Append("</p>");
        }
        foreach (var f in footer ?? [])
        {
            text.Append(f).Append('\n');
            html.Append("<p style=\"font-size:.85rem;color:#52606d\">").Append(WebUtility.HtmlEncode(f)).Append("</p>");
        }
        html.Append("</body></html>");
        return new MailDraft(kind, toAddress, toName, subject, text.ToString().TrimEnd() + "\n", html.ToString());
    }
}

/// <summary>
/// The one way this app sends mail. <see cref="QueueAsync"/> writes the message in the caller's transaction, so a
/// change that rolls back sends nothing; after the commit <see cref="Dispatch"/> hands the new rows to the delivery
/// job, and the recurring <see cref="MailDeliveryJob"/> picks up any a crash left behind.
/// </summary>
public sealed class Mailer(Db db, TimeProvider clock, IBackgroundJobClient jobs, ILogger<Mailer> logger)
{
    internal string InsertMailSql => db.Dialect.InsertReturningId("OutgoingMail", "Kind", "ToAddress", "ToName", "Subject", "TextBody", "HtmlBody", "Status", "Attempts", "NextAttemptAt", "CreatedAt", "Headers");

    public async Task<long> QueueAsync(DbConnection c, DbTransaction tx, MailDraft draft)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await c.ExecuteScalarAsync<long>(InsertMailSql,
            new
            {
                draft.Kind, draft.ToAddress, draft.ToName, draft.Subject, draft.TextBody, draft.HtmlBody,
                Status = MailStatus.Pending, Attempts = 0, NextAttemptAt = now, CreatedAt = now, Headers = MailDraft.FormatHeaders(draft.Headers),
            }, tx);
    }

    /// <summary>Enqueues delivery of committed messages. Never throws: the recurring job delivers what this could not hand over.</summary>
    public void Dispatch(IEnumerable<long> ids)
    {
        foreach (var id in ids)
        {
            try
            {
                jobs.Enqueue<MailDelivery>(d => d.DeliverAsync(id, CancellationToken.None));
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not enqueue delivery of mail {MailId}; the recurring mail job will send it", id);
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> in a write transaction, then dispatches the mail it queued.</summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, MailBatch, Task<T>> work, CancellationToken ct = default)
    {
        var batch = new MailBatch(this);
        var result = await db.WriteAsync((c, tx) => work(c, tx, batch), ct);
        Dispatch(batch.Ids);
        return result;
    }
}

/// <summary>The mail queued inside one transaction, dispatched once it commits.</summary>
public sealed class MailBatch(Mailer mailer)
{
    private readonly List<long> _ids = [];

    public IReadOnlyList<long> Ids => _ids;

    public async Task QueueAsync(DbConnection c, DbTransaction tx, MailDraft draft) => _ids.Add(await mailer.QueueAsync(c, tx, draft));
}

public static class MailStatus
{
    public const string Pending = nameof(Pending);
    public const string Sent = nameof(Sent);
    public const string Failed = nameof(Failed);
}
