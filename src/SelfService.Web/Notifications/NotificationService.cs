using System.Data.Common;
using Dapper;
using SelfService.Data;
using SelfService.Shared;

namespace SelfService.Notifications;

public sealed record Notification
{
    public long Id { get; init; }
    public long? CustomerId { get; init; }
    public long? UserId { get; init; }
    public required string Kind { get; init; }
    public required string Title { get; init; }
    public string Body { get; init; } = "";
    public string? Link { get; init; }
    public DateTime CreatedAt { get; init; }
    public bool IsRead { get; init; }
}

/// <summary>
/// In-app notifications. Written in the same transaction as what they announce; a <c>dedupKey</c> makes a
/// notification happen once however often its cause is seen (a job run twice, a retried request).
/// </summary>
public sealed class NotificationService(Db db)
{
    internal string InsertNotificationSql => db.Dialect.InsertIgnoringDuplicates("Notification", ["CustomerId", "UserId", "Kind", "Title", "Body", "Link", "CreatedAt", "DedupKey"], ["DedupKey"]);

    /// <summary>Notifies every user of a customer, or one user when <paramref name="userId"/> is given. Returns false for a duplicate.</summary>
    public async Task<bool> NotifyAsync(DbConnection c, DbTransaction tx, long? customerId, long? userId, string kind, string title,
        string body, string? link, DateTime now, string? dedupKey = null)
    {
        var rows = await c.ExecuteAsync(
            InsertNotificationSql,
            new { CustomerId = customerId, UserId = userId, Kind = kind, Title = title, Body = body, Link = link, CreatedAt = now, DedupKey = dedupKey ?? Guid.NewGuid().ToString("N") }, tx);
        return rows > 0;
    }

    internal const string ForUserSql = """
        select n.Id, n.CustomerId, n.UserId, n.Kind, n.Title, n.Body, n.Link, n.CreatedAt,
               case when r.NotificationId is null then 0 else 1 end as IsRead
          from Notification n
          left join NotificationRead r on r.NotificationId = n.Id and r.UserId = @userId
         where (n.UserId = @userId or (n.UserId is null and n.CustomerId = @customerId))
         order by n.CreatedAt desc, n.Id desc
        """;

    internal const string UnreadCountSql = """
        select count(*)
          from Notification n
         where (n.UserId = @userId or (n.UserId is null and n.CustomerId = @customerId))
           and not exists (select 1 from NotificationRead r where r.NotificationId = n.Id and r.UserId = @userId)
        """;

    internal const string MarkReadSql = """
        insert into NotificationRead (NotificationId, UserId, ReadAt)
        select n.Id, @userId, @now
          from Notification n
         where (n.UserId = @userId or (n.UserId is null and n.CustomerId = @customerId))
           and not exists (select 1 from NotificationRead r where r.NotificationId = n.Id and r.UserId = @userId)
        """;

    public async Task<IReadOnlyList<Notification>> ForUserAsync(long userId, long? customerId, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<Notification>(new CommandDefinition(ForUserSql, new { userId, customerId }, cancellationToken: ct))).AsList();
    }

    internal const string CountForUserSql = """
        select count(*)
          from Notification n
         where (n.UserId = @userId or (n.UserId is null and n.CustomerId = @customerId))
        """;

    internal string ForUserPageSql => ForUserSql[..ForUserSql.LastIndexOf("order by", StringComparison.Ordinal)] + db.Dialect.Page("n.CreatedAt desc, n.Id desc");

    /// <summary>One page of what <see cref="ForUserAsync"/> lists, newest first (<paramref name="page"/> as the query string gave it).</summary>
    public async Task<Paged<Notification>> PageForUserAsync(long userId, long? customerId, string? page, int size, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return await Paging.ReadAsync<Notification>(page, size,
            () => connection.ExecuteScalarAsync<long>(new CommandDefinition(CountForUserSql, new { userId, customerId }, cancellationToken: ct)),
            async (offset, limit) => (await connection.QueryAsync<Notification>(new CommandDefinition(ForUserPageSql,
                new { userId, customerId, Offset = offset, Limit = limit }, cancellationToken: ct))).AsList());
    }

    internal const string UnreadCountByKeySql = """
        select count(*)
          from Notification n
         where (n.UserId = @userId or (n.UserId is null and n.CustomerId = (select c.Id from Customer c where c.ExternalKey = @customerKey)))
           and not exists (select 1 from NotificationRead r where r.NotificationId = n.Id and r.UserId = @userId)
        """;

    /// <summary>Unread notifications for a user: their own, and their customer's (by id, or by external key when given).</summary>
    public async Task<long> UnreadCountAsync(long userId, long? customerId, string? customerKey = null, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return customerKey is null
            ? await connection.ExecuteScalarAsync<long>(new CommandDefinition(UnreadCountSql, new { userId, customerId }, cancellationToken: ct))
            : await connection.ExecuteScalarAsync<long>(new CommandDefinition(UnreadCountByKeySql, new { userId, customerKey }, cancellationToken: ct));
    }

    public Task MarkAllReadAsync(long userId, long? customerId, DateTime now, CancellationToken ct = default) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync(MarkReadSql, new { userId, customerId, now }, tx), ct);
}
