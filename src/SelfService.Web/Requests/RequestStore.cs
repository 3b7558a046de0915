using System.Data.Common;
using Dapper;
using SelfService.Data;
using SelfService.Shared;

namespace SelfService.Requests;

/// <summary>
/// What the approver's queue shows: a state (or "waiting" for the vendor's step), a customer (by exact key, or any whose
/// name or key contains <see cref="Search"/>), a kind, and requests made before <see cref="CreatedBefore"/> (older than an age).
/// </summary>
public sealed record QueueFilter(string? Customer = null, RequestKind? Kind = null, string? State = null, string? Search = null, DateTime? CreatedBefore = null)
{
    public const string Waiting = "waiting";
    public const string All = "all";
}

/// <summary>Reads access requests and their history. Writes happen in <see cref="RequestSubmissions"/>, <see cref="RequestDecisions"/>, <see cref="RequestCancellations"/> and <see cref="RequestExpiry"/>.</summary>
public sealed class RequestStore(Db db)
{
    internal const string SelectSql = """
        select r.Id, r.CustomerId, c.ExternalKey as CustomerKey, c.Name as CustomerName, r.RequestedByUserId, r.RequestedBy,
               r.RequesterRole, r.Kind, r.AddOnId, r.PlanId, r.FeatureId, r.Quantity, r.DurationDays, r.ExtendsGrantId,
               r.Justification, r.State, r.Step, r.NeedsVendorApproval, r.ApprovedQuantity, r.ApprovedDurationDays,
               r.DecidedAt, r.DecidedBy, r.DecisionReason, r.ProvisionedGrantId, r.Version, r.CreatedAt, r.UpdatedAt, r.Regions,
               coalesce(a.Name, p.Name, f.Name) as TargetName, coalesce(a.Code, p.Code, f.Handle) as TargetCode,
               f.Kind as FeatureKind, f.Unit as FeatureUnit
          from AccessRequest r
          join Customer c on c.Id = r.CustomerId
          left join AddOn a on a.Id = r.AddOnId
          left join PricePlan p on p.Id = r.PlanId
          left join Feature f on f.Id = r.FeatureId
        """;

    internal const string ByIdSql = $"""
        {SelectSql}
         where r.Id = @id
        """;

    internal const string ForCustomerSql = $"""
        {SelectSql}
         where c.ExternalKey = @customer
         order by r.CreatedAt desc, r.Id desc;

        select e.Id, e.RequestId, e.At, e.Actor, e.Action, e.Note
          from AccessRequestEvent e
          join AccessRequest r on r.Id = e.RequestId
          join Customer c on c.Id = r.CustomerId
         where c.ExternalKey = @customer
         order by e.At, e.Id;
        """;

    internal const string EventsSql = """
        select Id, RequestId, At, Actor, Action, Note
          from AccessRequestEvent
         where RequestId = @id
         order by At, Id
        """;

    internal const string WaitingForVendorCountSql = """
        select count(*)
          from AccessRequest
         where State = 'Pending' and Step = 'Vendor'
        """;

    internal const string QueueWhereClause = """
         where (@customer is null or c.ExternalKey = @customer)
           and (@pattern is null or lower(c.ExternalKey) like @pattern or lower(c.Name) like @pattern)
           and (@createdBefore is null or r.CreatedAt < @createdBefore)
           and (@kind is null or r.Kind = @kind)
           and (@state is null or r.State = @state)
           and (@step is null or r.Step = @step)
        """;

    internal const string QueueCountSql = $"""
        select count(*)
          from AccessRequest r
          join Customer c on c.Id = r.CustomerId
        {QueueWhereClause}
        """;

    internal const string CustomerIdSql = "select Id from Customer where ExternalKey = @customer";

    public async Task<CustomerRequest?> FindAsync(long id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<CustomerRequest>(new CommandDefinition(ByIdSql, new { id }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<CustomerRequestEvent>> EventsAsync(long id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<CustomerRequestEvent>(new CommandDefinition(EventsSql, new { id }, cancellationToken: ct))).AsList();
    }

    /// <summary>A customer's requests, newest first, each with its history.</summary>
    public async Task<IReadOnlyList<(CustomerRequest Request, IReadOnlyList<CustomerRequestEvent> History)>> ForCustomerAsync(string customer, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        using var grid = await c.QueryMultipleAsync(new CommandDefinition(ForCustomerSql, new { customer }, cancellationToken: ct));
        var requests = (await grid.ReadAsync<CustomerRequest>()).AsList();
        var events = (await grid.ReadAsync<CustomerRequestEvent>()).ToLookup(e => e.RequestId);
        return requests.Select(r => (r, (IReadOnlyList<CustomerRequestEvent>)events[r.Id].ToList())).ToList();
    }

    /// <summary>
    /// The approver's queue: pending requests oldest first (they have waited longest), decided ones newest first.
    /// At most <paramref name="limit"/> rows.
    /// </summary>
    internal string OldestFirstQueueSql => $"{SelectSql}\n{QueueWhereClause}\n{db.Dialect.Page("r.CreatedAt, r.Id")}";

    internal string NewestFirstQueueSql => $"{SelectSql}\n{QueueWhereClause}\n{db.Dialect.Page("r.CreatedAt desc, r.Id desc")}";

    public async Task<IReadOnlyList<CustomerRequest>> QueueAsync(QueueFilter filter, int limit = 200, CancellationToken ct = default) =>
        (await QueuePageAsync(filter, null, limit, ct)).Rows;

    /// <summary>One page of the queue (<paramref name="page"/> as the query string gave it; see <see cref="Paging"/>).</summary>
    public async Task<Paged<CustomerRequest>> QueuePageAsync(QueueFilter filter, string? page, int size, CancellationToken ct = default)
    {
        var state = filter.State is null or QueueFilter.Waiting ? nameof(RequestState.Pending)
            : filter.State == QueueFilter.All ? null
            : Enum.TryParse<RequestState>(filter.State, true, out var s) ? s.ToString() : nameof(RequestState.Pending);
        var step = filter.State is null or QueueFilter.Waiting ? nameof(RequestStep.Vendor) : null;
        var sql = state == nameof(RequestState.Pending) ? OldestFirstQueueSql : NewestFirstQueueSql;
        var parameters = new DynamicParameters(new
        {
            customer = string.IsNullOrWhiteSpace(filter.Customer) ? null : filter.Customer,
            pattern = TextSearch.ContainsPattern(filter.Search),
            kind = filter.Kind?.ToString(),
            state,
            step,
        });
        parameters.Add("createdBefore", new UtcInstant(filter.CreatedBefore));
        await using var c = await db.OpenAsync(ct);
        return await Paging.ReadAsync<CustomerRequest>(page, size,
            () => c.ExecuteScalarAsync<long>(new CommandDefinition(QueueCountSql, parameters, cancellationToken: ct)),
            async (offset, limit) =>
            {
                parameters.Add("Offset", offset);
                parameters.Add("Limit", limit);
                return (await c.QueryAsync<CustomerRequest>(new CommandDefinition(sql, parameters, cancellationToken: ct))).AsList();
            });
    }

    /// <summary>How many requests wait for a vendor Approver.</summary>
    public async Task<long> WaitingForVendorAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition(WaitingForVendorCountSql, cancellationToken: ct));
    }

    public async Task<long?> CustomerIdAsync(string customer, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long?>(new CommandDefinition(CustomerIdSql, new { customer }, cancellationToken: ct));
    }

    internal const string VersionSql = "select Version from AccessRequest where Id = @id";
}
