using System.Globalization;
using Dapper;
using SelfService.Data;
using SelfService.Shared;

namespace SelfService.Audit;

/// <summary>What the audit log is filtered by; every filter is optional. Dates are whole UTC days, both ends included.</summary>
public sealed record AuditFilter(string? Customer = null, string? Actor = null, string? Kind = null, DateOnly? From = null, DateOnly? To = null);

public sealed record AuditRow
{
    public long Id { get; init; }
    public DateTime At { get; init; }
    public string Actor { get; init; } = "";
    public string? CustomerKey { get; init; }
    public string? CustomerName { get; init; }
    public string Kind { get; init; } = "";
    public string Subject { get; init; } = "";
    public string? OldValue { get; init; }
    public string? NewValue { get; init; }
    public string? Reason { get; init; }
}

public sealed record AuditPage(IReadOnlyList<AuditRow> Rows, long Total, int PageNumber, int PageSize)
{
    public int Pages => (int)Math.Max(1, (Total + PageSize - 1) / PageSize);
}

/// <summary>The whole system's audit trail, filtered and paged, newest first.</summary>
public sealed class AuditSearch(Db db)
{
    public const int PageSize = 50;

    /// <summary>Most rows a CSV export carries; narrow the filter for more.</summary>
    public const int ExportLimit = 100_000;

    // The filter both the page and its count apply (not a statement on its own).
    private const string Filtered = """
          from AuditEntry a
          left join Customer c on c.Id = a.CustomerId
         where (@customer is null or c.ExternalKey = @customer)
           and (@actor is null or lower(a.Actor) like @actor)
           and (@kind is null or a.Kind = @kind)
           and (@from is null or a.At >= @from)
           and (@to is null or a.At < @to)
        """;

    internal const string SearchSql = $"""
        select a.Id, a.At, a.Actor, c.ExternalKey as CustomerKey, c.Name as CustomerName, a.Kind, a.Subject, a.OldValue, a.NewValue, a.Reason
        {Filtered}
        """;

    internal const string CountSql = $"""
        select count(*)
        {Filtered}
        """;

    internal const string KindsSql = "select distinct Kind from AuditEntry order by Kind";

    internal string PagedSql => SearchSql + "\n" + db.Dialect.Page("a.At desc, a.Id desc");

    public async Task<AuditPage> SearchAsync(AuditFilter filter, int page, CancellationToken ct = default)
    {
        page = Math.Max(1, page);
        await using var connection = await db.OpenAsync(ct);
        var parameters = Parameters(filter);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountSql, parameters, cancellationToken: ct));
        parameters.Add("Offset", (page - 1) * PageSize);
        parameters.Add("Limit", PageSize);
        var rows = (await connection.QueryAsync<AuditRow>(new CommandDefinition(PagedSql, parameters, cancellationToken: ct))).AsList();
        return new AuditPage(rows, total, page, PageSize);
    }

    /// <summary>Every matching row, newest first, up to <see cref="ExportLimit"/>, read as it streams.</summary>
    public async IAsyncEnumerable<AuditRow> ExportAsync(AuditFilter filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        var parameters = Parameters(filter);
        parameters.Add("Offset", 0);
        parameters.Add("Limit", ExportLimit);
        await foreach (var row in connection.QueryUnbufferedAsync<AuditRow>(PagedSql, parameters).WithCancellation(ct))
            yield return row;
    }

    public async Task<IReadOnlyList<string>> KindsAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<string>(new CommandDefinition(KindsSql, cancellationToken: ct))).AsList();
    }

    private static DynamicParameters Parameters(AuditFilter f)
    {
        var p = new DynamicParameters();
        p.Add("customer", Blank(f.Customer), System.Data.DbType.String);
        p.Add("actor", Blank(f.Actor) is { } actor ? "%" + actor.ToLowerInvariant() + "%" : null, System.Data.DbType.String);
        p.Add("kind", Blank(f.Kind), System.Data.DbType.String);
        p.Add("from", new UtcInstant(f.From?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)));
        p.Add("to", new UtcInstant(f.To?.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)));
        return p;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    public static string CsvHeader => Csv.Line("At (UTC)", "Actor", "Customer", "Kind", "Subject", "Old value", "New value", "Reason");

    public static string CsvLine(AuditRow r) =>
        Csv.Line(r.At, r.Actor, r.CustomerKey, r.Kind, r.Subject, r.OldValue, r.NewValue, r.Reason);

    public static string Describe(AuditFilter f) => string.Join(", ", new[]
    {
        f.Customer is { Length: > 0 } c ? "customer " + c : null,
        f.Actor is { Length: > 0 } a ? "actor " + a : null,
        f.Kind is { Length: > 0 } k ? "kind " + k : null,
        f.From is { } from ? "from " + from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null,
        f.To is { } to ? "to " + to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null,
    }.Where(x => x is not null));
}
