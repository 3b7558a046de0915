using System.Data.Common;
using Dapper;
using SelfService.Data;
using SelfService.Shared;

namespace SelfService.Audit;

public sealed record AuditEntry
{
    public long Id { get; init; }
    public DateTime At { get; init; }
    public required string Actor { get; init; }
    public long? CustomerId { get; init; }
    public required string Kind { get; init; }
    public required string Subject { get; init; }
    public string? OldValue { get; init; }
    public string? NewValue { get; init; }
    public string? Reason { get; init; }
}

/// <summary>Who changed what, when and why; written in the same transaction as the change.</summary>
public sealed class AuditLog(Db db)
{
    internal string InsertEntrySql => db.Dialect.InsertReturningId("AuditEntry", "At", "Actor", "CustomerId", "Kind", "Subject", "OldValue", "NewValue", "Reason");

    public Task WriteAsync(DbConnection connection, DbTransaction tx, AuditEntry entry) =>
        connection.ExecuteAsync(
            InsertEntrySql,
            entry, tx);

    internal const string ForCustomerSql = """
        select Id, At, Actor, CustomerId, Kind, Subject, OldValue, NewValue, Reason
          from AuditEntry
         where CustomerId = @customerId
         order by At desc, Id desc
        """;

    public async Task<IReadOnlyList<AuditEntry>> ForCustomerAsync(long customerId, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<AuditEntry>(new CommandDefinition(ForCustomerSql, new { customerId }, cancellationToken: ct))).AsList();
    }

    internal const string CountForCustomerSql = "select count(*) from AuditEntry where CustomerId = @customerId";

    internal string ForCustomerPageSql => ForCustomerSql[..ForCustomerSql.LastIndexOf("order by", StringComparison.Ordinal)] + db.Dialect.Page("At desc, Id desc");

    /// <summary>One page of the customer's entries, newest first (<paramref name="page"/> as the query string gave it).</summary>
    public async Task<Paged<AuditEntry>> PageForCustomerAsync(long customerId, string? page, int size, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return await Paging.ReadAsync<AuditEntry>(page, size,
            () => connection.ExecuteScalarAsync<long>(new CommandDefinition(CountForCustomerSql, new { customerId }, cancellationToken: ct)),
            async (offset, limit) => (await connection.QueryAsync<AuditEntry>(new CommandDefinition(ForCustomerPageSql,
                new { customerId, Offset = offset, Limit = limit }, cancellationToken: ct))).AsList());
    }
}
