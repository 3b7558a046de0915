using Dapper;
using Hangfire;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using SelfService.Data;

namespace SelfService.Mail;

public sealed record OutgoingMail
{
    public long Id { get; init; }
    public required string Kind { get; init; }
    public required string ToAddress { get; init; }
    public string? ToName { get; init; }
    public required string Subject { get; init; }
    public required string TextBody { get; init; }
    public required string HtmlBody { get; init; }
    public required string Status { get; init; }
    public int Attempts { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? SentAt { get; init; }
    public string? LastError { get; init; }
    public string? Headers { get; init; }
}

/// <summary>
/// Delivers queued mail: one message at a time, claimed first so that two instances never send the same row, marked
/// sent in the database after the server accepted it. A failure is retried with growing pauses, up to
/// <see cref="MaxAttempts"/>, then the row is marked Failed with the last error.
/// </summary>
public sealed class MailDelivery(Db db, MailSettings settings, TimeProvider clock, ILogger<MailDelivery> logger)
{
    public const int MaxAttempts = 8;
    private static readonly TimeSpan ClaimFor = TimeSpan.FromMinutes(5);

    internal const string ClaimSql = """
        update OutgoingMail
           set ClaimedUntil = @until
         where Id = @id
           and Status = @pending
           and NextAttemptAt <= @now
           and (ClaimedUntil is null or ClaimedUntil < @now)
        """;

    internal const string ByIdSql = """
        select Id, Kind, ToAddress, ToName, Subject, TextBody, HtmlBody, Status, Attempts, CreatedAt, SentAt, LastError, Headers
          from OutgoingMail
         where Id = @id
        """;

    internal const string DueSql = """
        select Id
          from OutgoingMail
         where Status = @pending
           and NextAttemptAt <= @now
           and (ClaimedUntil is null or ClaimedUntil < @now)
         order by Id
        """;

    /// <summary>Delivers one message if it is still due and no one else holds it. Throws when sending failed, so Hangfire retries.</summary>
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [30, 60, 120, 240, 480])]
    public async Task DeliverAsync(long id, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenAsync(ct);
        var claimed = await connection.ExecuteAsync(new CommandDefinition(ClaimSql,
            new { id, until = now + ClaimFor, now, pending = MailStatus.Pending }, cancellationToken: ct));
        if (claimed == 0) return;
        var mail = await connection.QuerySingleAsync<OutgoingMail>(new CommandDefinition(ByIdSql, new { id }, cancellationToken: ct));
        try
        {
            await SendAsync(mail, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var attempts = mail.Attempts + 1;
            var failed = attempts >= MaxAttempts;
            await connection.ExecuteAsync(new CommandDefinition("""
                update OutgoingMail
                   set Attempts = @attempts, Status = @status, NextAttemptAt = @next, ClaimedUntil = null, LastError = @error
                 where Id = @id
                """, new
            {
                id, attempts, status = failed ? MailStatus.Failed : MailStatus.Pending,
                next = now + TimeSpan.FromSeconds(30 * Math.Pow(2, attempts - 1)), error = Truncate(e.Message, 2000),
            }, cancellationToken: CancellationToken.None));
            logger.LogWarning(e, "Mail {MailId} ({Kind}) to {To} failed, attempt {Attempt} of {MaxAttempts}", id, mail.Kind, mail.ToAddress, attempts, MaxAttempts);
            if (!failed) throw;
            return;
        }
        await connection.ExecuteAsync(new CommandDefinition("""
            update OutgoingMail
               set Status = @sent, SentAt = @now, Attempts = Attempts + 1, ClaimedUntil = null, LastError = null
             where Id = @id
            """, new { id, now = clock.GetUtcNow().UtcDateTime, sent = MailStatus.Sent }, cancellationToken: CancellationToken.None));
    }

    /// <summary>Delivers every message that is due; one failure does not hold up the others.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken ct)
    {
        IReadOnlyList<long> due;
        await using (var connection = await db.OpenAsync(ct))
        {
            due = (await connection.QueryAsync<long>(new CommandDefinition(DueSql,
                new { now = clock.GetUtcNow().UtcDateTime, pending = MailStatus.Pending }, cancellationToken: ct))).AsList();
        }
        var delivered = 0;
        foreach (var id in due)
        {
            try
            {
                await DeliverAsync(id, ct);
                delivered++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Logged and recorded on the row by DeliverAsync; the next run tries again after its pause.
            }
        }
        return delivered;
    }

    private async Task SendAsync(OutgoingMail mail, CancellationToken ct)
    {
        var message = new MimeMessage();
        message.From.Add(settings.From);
        message.To.Add(new MailboxAddress(mail.ToName ?? "", mail.ToAddress));
        message.Subject = mail.Subject;
        message.Date = new DateTimeOffset(DateTime.SpecifyKind(mail.CreatedAt, DateTimeKind.Utc));
        message.MessageId = $"mail-{mail.Id}-{mail.CreatedAt:yyyyMMddHHmmss}@{settings.From.Domain}";
        foreach (var line in (mail.Headers ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (line.IndexOf(':') is > 0 and var colon) message.Headers.Add(line[..colon].Trim(), line[(colon + 1)..].Trim());
        message.Body = new BodyBuilder { TextBody = mail.TextBody, HtmlBody = mail.HtmlBody }.ToMessageBody();

        if (settings.SmtpHost is null)
        {
            var file = Path.Combine(settings.PickupFolder, $"{mail.CreatedAt:yyyyMMdd-HHmmss}-{mail.Id}-{mail.Kind}.eml");
            Directory.CreateDirectory(settings.PickupFolder);
            await message.WriteToAsync(file, ct);
            logger.LogInformation("Mail to {To} ({Kind}) written to {MailFile}", mail.ToAddress, mail.Kind, file);
            return;
        }

        using var client = new SmtpClient();
        var security = settings.SmtpSecurity switch
        {
            SmtpSecurity.None => SecureSocketOptions.None,
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.SslOnConnect,
        };
        await client.ConnectAsync(settings.SmtpHost, settings.SmtpPort, security, ct);
        if (settings.SmtpUser is not null) await client.AuthenticateAsync(settings.SmtpUser, settings.SmtpPassword ?? "", ct);
        await client.SendAsync(message, ct);
        await client.DisconnectAsync(true, ct);
        logger.LogInformation("Mail {MailId} to {To} ({Kind}) sent through {SmtpHost}", mail.Id, mail.ToAddress, mail.Kind, settings.SmtpHost);
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
