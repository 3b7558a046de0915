using System.Data.Common;
using Dapper;
using SelfService.Audit;
using SelfService.Catalog;
using SelfService.Identity;

namespace SelfService.Accounts;

/// <summary>A person holding a seat. <see cref="Flagged"/>: assigned beyond the limit as it is now (a grant ended), so it gives no access.</summary>
public sealed record SeatHolder(long UserId, string Email, string DisplayName, DateTime AssignedAt, string AssignedBy, bool Flagged);

/// <summary>
/// One assigned-seats feature of a customer at one instant: its effective limit (null: unlimited), who holds its seats
/// in the order they were assigned, and the cheapest way to one more seat.
/// </summary>
public sealed record SeatPool(Feature Feature, long? Limit, IReadOnlyList<SeatHolder> Holders, SelfService.Upgrades.UpgradeOption? MoreSeats)
{
    public int Assigned => Holders.Count;
    public bool Full => Limit is { } limit && Assigned >= limit;
    public bool Over => Limit is { } limit && Assigned > limit;
    public int Excess => Limit is { } limit ? Math.Max(0, Assigned - (int)Math.Min(limit, int.MaxValue)) : 0;
    public SeatHolder? HolderOf(string email) => Holders.FirstOrDefault(h => string.Equals(h.Email, email, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Assigned seats: a catalog feature marked <see cref="Feature.AssignedSeats"/> is held seat by seat by people of the
/// team. An assignment runs in the team's change transaction (the customer's row locked, so two assignments of the last
/// seat queue and the second sees the first), counts the seats held there and compares them with the feature's
/// effective limit at that instant. Seats held beyond a limit that fell later are kept and flagged, never deleted.
/// </summary>
public sealed partial class Team
{
    internal const string SeatFeaturesSql = """
        select Id, Handle, Name, Description, Kind, Unit, Aggregation, NoCountryPolicy, AssignedSeats
          from Feature
         where AssignedSeats = @yes
         order by Handle
        """;

    internal const string SeatHoldersSql = """
        select s.FeatureId, s.UserId, u.Email, u.DisplayName, s.AssignedAt, s.AssignedBy
          from SeatAssignment s
          join AppUser u on u.Id = s.UserId
         where s.CustomerId = @customerId
         order by s.AssignedAt, s.Id
        """;

    internal string InsertSeatSql => db.Dialect.InsertReturningId("SeatAssignment", "CustomerId", "FeatureId", "UserId", "AssignedBy", "AssignedAt");

    internal const string DeleteSeatSql = "delete from SeatAssignment where CustomerId = @customerId and FeatureId = @featureId and UserId = @userId";

    internal const string SeatsOfUserSql = """
        select f.Handle
          from SeatAssignment s
          join Feature f on f.Id = s.FeatureId
         where s.UserId = @userId
         order by f.Handle
        """;

    internal const string DeleteSeatsOfUserSql = "delete from SeatAssignment where UserId = @userId";

    private sealed record SeatRow
    {
        public long FeatureId { get; init; }
        public long UserId { get; init; }
        public string Email { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public DateTime AssignedAt { get; init; }
        public string AssignedBy { get; init; } = "";
    }

    /// <summary>
    /// The customer's assigned-seats features at <paramref name="now"/>: every one its product offers or it holds seats of.
    /// The limit is the effective value at that instant (plan, add-ons, grants), so a grant's end flags the extra seats at
    /// once. Inside a transaction when one is given.
    /// </summary>
    public async Task<IReadOnlyList<SeatPool>> SeatPoolsAsync(string customerKey, long customerId, DateTime now, DbConnection? c = null, DbTransaction? tx = null,
        CancellationToken ct = default)
    {
        await using var owned = c is null ? await db.OpenAsync(ct) : null;
        var connection = c ?? owned!;
        var features = (await connection.QueryAsync<Feature>(new CommandDefinition(SeatFeaturesSql, new { yes = true }, tx, cancellationToken: ct))).AsList();
        if (features.Count == 0) return [];
        var rows = (await connection.QueryAsync<SeatRow>(new CommandDefinition(SeatHoldersSql, new { customerId }, tx, cancellationToken: ct))).AsList();
        var account = await entitlements.ForCustomerAsync(customerKey, now, ct);
        var snapshot = await catalog.SnapshotAsync(ct);
        var offered = account is null ? new HashSet<long>() : snapshot.FeaturesOfFamily(account.Plan.Family);
        var pools = new List<SeatPool>();
        foreach (var feature in features)
        {
            var held = rows.Where(r => r.FeatureId == feature.Id).ToList();
            var entitlement = account?.For(feature.Handle);
            if (held.Count == 0 && !offered.Contains(feature.Id) && entitlement is not { Sources.Count: > 0 }) continue;
            var limit = entitlement is { Unlimited: true } ? (long?)null : entitlement?.Limit ?? 0;
            var holders = held.Select((r, i) => new SeatHolder(r.UserId, r.Email, r.DisplayName, DateTime.SpecifyKind(r.AssignedAt, DateTimeKind.Utc), r.AssignedBy,
                Flagged: limit is { } l && i >= l)).ToList();
            var more = account is null || limit is null ? null
                : SelfService.Upgrades.UpgradeAdvisor.CheapestToCover(account, snapshot, entitlement?.Feature ?? feature, holders.Count + 1,
                    new Dictionary<long, decimal> { [feature.Id] = holders.Count });
            pools.Add(new SeatPool(feature, limit, holders, more));
        }
        return pools;
    }

    /// <summary>Gives <paramref name="email"/>, a person of the team, a seat of <paramref name="featureHandle"/>; refused past the limit with the way to more.</summary>
    public Task<TeamRefusal?> AssignSeatAsync(long customerId, TeamActor actor, string featureHandle, string email, CancellationToken ct = default) =>
        ChangeAsync(customerId, actor, async ch =>
        {
            if (ch.Role is not (Roles.Owner or Roles.Admin)) return new TeamRefusal("", "Only Owners and Admins assign seats.");
            var pools = await SeatPoolsAsync(ch.Customer.ExternalKey, ch.Customer.Id, ch.Now, ch.C, ch.Tx, ct);
            if (pools.FirstOrDefault(p => p.Feature.Handle == featureHandle) is not { } pool)
                return new TeamRefusal("", $"{featureHandle} is not held as assigned seats by {ch.Customer.Name}.");
            var address = UserStore.Normalize(email);
            var person = await ch.C.QuerySingleOrDefaultAsync<UserRow>(UserByEmailSql, new { email = address }, ch.Tx);
            if (person is not { RemovedAt: null } || person.CustomerId != ch.Customer.Id)
                return new TeamRefusal("Email", $"{address} is not a member of {ch.Customer.Name}: invite them first, and assign the seat once they have joined.");
            if (pool.HolderOf(address) is not null) return new TeamRefusal("Email", $"{address} already holds a seat of {pool.Feature.Name}.");
            if (pool.Full)
            {
                var key = Uri.EscapeDataString(ch.Customer.ExternalKey);
                var state = pool.Over
                    ? $"{pool.Assigned} seats of {pool.Feature.Name} ({pool.Feature.Handle}) are assigned and the limit is now {pool.Limit}: {pool.Excess} over."
                    : $"All {pool.Limit} seats of {pool.Feature.Name} ({pool.Feature.Handle}) are assigned.";
                return new TeamRefusal("Email",
                    $"{state} Unassign someone" + (pool.MoreSeats is { } more
                        ? $", or ask for {more.Describe()} (+{Money.Format(more.MonthlyCostDeltaCents)} a month) for more seats."
                        : ", or ask your provider for more seats."),
                    pool.MoreSeats?.RequestUrl(key) ?? $"/customers/{key}/requests/new", pool.MoreSeats is null ? "Ask for more seats" : $"Ask for {pool.MoreSeats.Describe()}");
            }
            await ch.C.ExecuteAsync(InsertSeatSql,
                new { CustomerId = ch.Customer.Id, FeatureId = pool.Feature.Id, UserId = person.Id, AssignedBy = ch.ActorName, AssignedAt = ch.Now }, ch.Tx);
            await Audit(ch, AuditKinds.SeatAssigned, $"seat {pool.Feature.Handle}", newValue: address);
            return null;
        }, ct);

    /// <summary>Takes a seat of <paramref name="featureHandle"/> back from a person; a seat already free is no change.</summary>
    public Task<TeamRefusal?> UnassignSeatAsync(long customerId, TeamActor actor, string featureHandle, long userId, CancellationToken ct = default) =>
        ChangeAsync(customerId, actor, async ch =>
        {
            if (ch.Role is not (Roles.Owner or Roles.Admin)) return new TeamRefusal("", "Only Owners and Admins unassign seats.");
            var pools = await SeatPoolsAsync(ch.Customer.ExternalKey, ch.Customer.Id, ch.Now, ch.C, ch.Tx, ct);
            var pool = pools.FirstOrDefault(p => p.Feature.Handle == featureHandle);
            var holder = pool?.Holders.FirstOrDefault(h => h.UserId == userId);
            if (pool is null || holder is null) return null;
            await ch.C.ExecuteAsync(DeleteSeatSql, new { customerId = ch.Customer.Id, featureId = pool.Feature.Id, userId }, ch.Tx);
            await Audit(ch, AuditKinds.SeatUnassigned, $"seat {pool.Feature.Handle}", oldValue: holder.Email);
            return null;
        }, ct);

    /// <summary>A person leaving the team gives back every seat they held, each written in the audit.</summary>
    private async Task FreeSeatsAsync(Change ch, AppUser person, string why)
    {
        var handles = (await ch.C.QueryAsync<string>(SeatsOfUserSql, new { userId = person.Id }, ch.Tx)).AsList();
        if (handles.Count == 0) return;
        await ch.C.ExecuteAsync(DeleteSeatsOfUserSql, new { userId = person.Id }, ch.Tx);
        foreach (var handle in handles)
            await Audit(ch, AuditKinds.SeatUnassigned, $"seat {handle}", oldValue: person.Email, reason: why);
    }
}
