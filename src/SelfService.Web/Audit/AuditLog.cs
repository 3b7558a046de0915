using System.Data.Common;
using Dapper;
using SelfService.Data;

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
}
