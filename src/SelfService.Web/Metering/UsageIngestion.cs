using System.Data;
using System.Data.Common;
using Microsoft.Extensions.Options;
using SelfService.Data;

namespace SelfService.Metering;

/// <summary>One valid usage event, resolved to ids, ready to store.</summary>
public readonly record struct UsageEventRow(string EventId, long CustomerId, long FeatureId, decimal Quantity, DateTime OccurredAt, string? Country = null);

/// <summary>An event whose id was already used, for the same customer, by an event with another payload.</summary>
public readonly record struct UsageConflict(int Index, string EventId, string Reason);

public sealed record IngestionResult(int Accepted, int Duplicates, IReadOnlyList<UsageConflict> Conflicts);

/// <summary>The commit came too late for the rollup's safety lag; nothing was stored and the client may retry.</summary>
public sealed class IngestionTooSlowException() : Exception("Storing the batch took too long; it was not stored.");

/// <summary>
/// Stores a validated batch in one transaction: each event is inserted unless its (customer, id) is already there;
/// an id already there with the same payload is a duplicate, with another payload a conflict, and any conflict
/// rolls the whole batch back. Plain prepared commands, one per event, keep it as fast as a raw insert.
/// </summary>
public sealed class UsageIngestion(Db db, TimeProvider clock, IOptions<MeteringOptions> options)
{
    private static readonly string[] Columns = ["CustomerId", "FeatureId", "EventId", "Quantity", "OccurredAt", "ReceivedAt", "Country"];

    /// <summary>Test seam: runs after a batch's rows are written and before the safety-lag check and the commit.</summary>
    internal Func<CancellationToken, Task>? BeforeCommit { get; set; }

    // Event ids are exact: 'Case-1', 'case-1' and 'case-1 ' are three events on every database.
    internal string InsertSql => db.Dialect.InsertIgnoringDuplicates("UsageEvent", Columns, ["CustomerId", "EventId"], textKeys: ["EventId"]);

    internal string ExistingSql => $"""
        select FeatureId, Quantity, OccurredAt
          from UsageEvent
         where CustomerId = @CustomerId and {db.Dialect.SameText("EventId", "@EventId")}
        """;

    public async Task<IngestionResult> StoreAsync(IReadOnlyList<UsageEventRow> events, CancellationToken ct = default)
    {
        var receivedAt = clock.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenAsync(ct);
        await using var tx = db.Dialect.BeginWriteTransaction(connection);

        await using var insert = Command(connection, tx, InsertSql, Columns);
        var pCustomer = insert.Parameters[0];
        var pFeature = insert.Parameters[1];
        var pEventId = insert.Parameters[2];
        var pQuantity = insert.Parameters[3];
        var pOccurred = insert.Parameters[4];
        DapperSetup.Utc(insert.Parameters[5], receivedAt);
        var pCountry = insert.Parameters[6];

        // Every batch inserts its keys in one order, so two batches sharing ids wait for each other on a database server
        // instead of deadlocking.
        var order = Enumerable.Range(0, events.Count)
            .OrderBy(i => events[i].CustomerId).ThenBy(i => events[i].EventId, StringComparer.Ordinal);
        List<int>? seen = null;
        foreach (var i in order)
        {
            var e = events[i];
            pCustomer.Value = e.CustomerId;
            pFeature.Value = e.FeatureId;
            pEventId.Value = e.EventId;
            Quantities.Set(pQuantity, e.Quantity);
            DapperSetup.Utc(pOccurred, e.OccurredAt);
            pCountry.Value = (object?)e.Country ?? DBNull.Value;
            if (await insert.ExecuteNonQueryAsync(ct) == 0) (seen ??= []).Add(i);
        }

        var duplicates = 0;
        var conflicts = new List<UsageConflict>();
        if (seen is not null)
        {
            seen.Sort();
            await using var existing = Command(connection, tx, ExistingSql, ["CustomerId", "EventId"]);
            foreach (var i in seen)
            {
                var e = events[i];
                existing.Parameters[0].Value = e.CustomerId;
                existing.Parameters[1].Value = e.EventId;
                await using var reader = await existing.ExecuteReaderAsync(ct);
                if (!await reader.ReadAsync(ct)) throw new InvalidOperationException($"Event {e.EventId} was neither inserted nor found.");
                var featureId = reader.GetInt64(0);
                var quantity = Quantities.FromDb(reader.GetValue(1));
                var occurredAt = reader.GetDateTime(2);
                var differences = new List<string>();
                if (featureId != e.FeatureId) differences.Add("feature");
                if (quantity != e.Quantity) differences.Add("quantity");
                if (occurredAt != DateTime.SpecifyKind(e.OccurredAt, DateTimeKind.Unspecified) && occurredAt != e.OccurredAt) differences.Add("timestamp");
                if (differences.Count == 0) duplicates++;
                else conflicts.Add(new UsageConflict(i, e.EventId,
                    $"the id '{e.EventId}' was already used by an event with another {string.Join(", ", differences)}; send a new id for a new event"));
            }
        }

        if (conflicts.Count > 0)
        {
            await tx.RollbackAsync(ct);
            return new IngestionResult(0, 0, conflicts);
        }

        if (BeforeCommit is { } beforeCommit) await beforeCommit(ct);

        // See UsageRollup: on a database server the rollup trusts that a batch commits within half its safety lag of being received.
        var lag = options.Value.SafetyLagFor(db.Dialect);
        if (lag > TimeSpan.Zero && clock.GetUtcNow().UtcDateTime - receivedAt > lag / 2)
        {
            await tx.RollbackAsync(ct);
            throw new IngestionTooSlowException();
        }
        await tx.CommitAsync(ct);
        return new IngestionResult(events.Count - duplicates, duplicates, []);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction tx, string sql, string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = "@" + name;
            p.DbType = name switch
            {
                "CustomerId" or "FeatureId" => DbType.Int64,
                "Quantity" => DbType.Decimal,
                _ => DbType.String,
            };
            if (name == "EventId") p.Size = 200;
            if (name == "Country") p.Size = 2;
            command.Parameters.Add(p);
        }
        return command;
    }
}
