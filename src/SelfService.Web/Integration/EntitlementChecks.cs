using Dapper;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Data;
using SelfService.Entitlements;
using SelfService.Metering;

namespace SelfService.Integration;

/// <summary>Machine-readable reasons a check denies access.</summary>
public static class DenialReasons
{
    public const string NoEntitlement = "no-entitlement";
    public const string CapReached = "cap-reached";
    public const string SubscriptionInactive = "subscription-inactive";
    /// <summary>A source exists, but none is valid in the country asked; <c>allowedIn</c> says where they are.</summary>
    public const string RegionNotAllowed = "region-not-allowed";
    /// <summary>The country asked is on the catalog's embargo list: nothing is granted there.</summary>
    public const string Embargoed = "embargoed";
    /// <summary>No country was given, every source has a region rule and the feature's policy is deny.</summary>
    public const string CountryRequired = "country-required";
    /// <summary>Asked with <c>user</c> for an assigned-seats feature: that person holds no seat of it.</summary>
    public const string NoSeat = "no-seat";
    /// <summary>Asked with <c>user</c>: the person's seat was assigned beyond the limit as it is now (a grant ended); it is kept but gives no access.</summary>
    public const string SeatOverLimit = "seat-over-limit";
}

/// <summary>A region rule as the API reads and writes it: <c>{"only": ["EU", "GB"]}</c> or <c>{"except": ["US"]}</c>.</summary>
public sealed record RegionsView(
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Only,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Except)
{
    public static RegionsView? Of(RegionRule? rule) => rule is null ? null
        : rule.Mode == RegionMode.Only ? new RegionsView(rule.Places, null) : new RegionsView(null, rule.Places);
}

/// <summary>One source of an entitlement: the plan, an add-on (value per unit × quantity) or a grant.</summary>
public sealed record SourceView(
    string Kind, string Name, string? Code, int Quantity, long? Value, bool Unlimited, long? Contribution,
    long? GrantId, string? Reason, string? GrantedBy, DateTime? ValidFrom, DateTime? ValidUntil, RegionsView? Regions = null);

/// <summary>
/// The answer to "may this customer use this feature (N more of it)?". <c>Limit</c> is null when the feature is
/// Boolean or unlimited; <c>Usage</c>, <c>Remaining</c> and the period are null where they do not apply.
/// </summary>
public sealed record EntitlementCheck(
    string Customer, string Feature, string Name, string Kind, string? Unit, string? Aggregation,
    bool HasAccess, string? Reason, long? Limit, bool Unlimited, bool? HardCap,
    decimal? Usage, decimal? Remaining, decimal? Requested, bool Overage,
    DateTime? PeriodStart, DateTime? PeriodEnd, IReadOnlyList<SourceView> Sources,
    string? Country = null, IReadOnlyList<RegionsView>? AllowedIn = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? Assigned = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? User = null);

public sealed record PlanView(string Code, int Version, string Name);

/// <summary>Every effective entitlement of a customer at one instant, with usage of the current period.</summary>
public sealed record AccountCheck(
    string Customer, string Name, PlanView? Plan, string SubscriptionStatus, int? BillingAnchorDay,
    DateTime At, DateTime? PeriodStart, DateTime? PeriodEnd, IReadOnlyList<EntitlementCheck> Entitlements, string? Country = null)
{
    /// <summary>The rollup watermark the usage was read at (every event with a higher id was read raw).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long UsageWatermark { get; init; }

    /// <summary>
    /// The first instant after <see cref="At"/> at which a grant of the subscription starts or ends, or a scheduled plan
    /// change takes effect: the answer changes then.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public DateTime? NextChange { get; init; }
}

/// <summary>
/// Answers entitlement checks. The rules come from <see cref="EntitlementService"/> (the engine) and usage from
/// <see cref="UsageService"/> (every accepted event counts); this class only phrases the answer.
/// </summary>
public sealed class EntitlementChecks(EntitlementService entitlements, UsageService usage, CatalogStore catalog, Db db, TimeProvider clock, SelfService.Accounts.Team team)
{
    internal const string CustomerSql = "select Id, ExternalKey, Name from Customer where ExternalKey = @customer";

    /// <summary>The whole account, asked in <paramref name="country"/> (or without one), or null for an unknown customer.</summary>
    public async Task<AccountCheck?> AccountAsync(string customerKey, CancellationToken ct = default, string? country = null)
    {
        var account = await entitlements.ForCustomerAsync(customerKey, ct: ct, where: Where.For(country));
        if (account is null)
        {
            var customer = await CustomerAsync(customerKey, ct);
            return customer is null ? null
                : new AccountCheck(customer.ExternalKey, customer.Name, null, "none", null, clock.GetUtcNow().UtcDateTime, null, null, [], country);
        }

        var period = UsagePeriod.Containing(account.At, account.Subscription.BillingAnchorDay);
        var numeric = account.Entitlements.Where(e => e.Feature.IsNumeric).Select(e => e.Feature).ToList();
        var (totals, watermark) = numeric.Count == 0 ? (new Dictionary<long, decimal>(), 0L)
            : await usage.TotalsAtWatermarkAsync(account.Customer.Id, numeric, period.Start, period.End, ct);
        var checks = account.Entitlements
            .Select(e => Evaluate(account.Customer.ExternalKey, e.Feature, e, account.IsActive, totals.GetValueOrDefault(e.Feature.Id), period, null) with { Country = country })
            .ToList();
        var changes = account.Grants.Where(g => g.RevokedAt is null)
            .SelectMany(g => new[] { g.ValidFrom, g.ValidUntil })
            .Where(t => t > account.At).Select(t => t!.Value).ToList();
        // A scheduled plan change ahead is a change of the answer too (its instant is a period edge when it is a downgrade).
        if (account.Scheduled is { } scheduled) changes.Add(scheduled.Change.EffectiveAt);
        return new AccountCheck(account.Customer.ExternalKey, account.Customer.Name,
            new PlanView(account.Plan.Code, account.Plan.Version, account.Plan.Name), Status(account.Subscription.Status),
            account.Subscription.BillingAnchorDay, account.At, period.Start, period.End, checks, country)
        {
            UsageWatermark = watermark,
            NextChange = changes.Count == 0 ? null : changes.Min(),
        };
    }

    public enum Outcome { Ok, UnknownCustomer, UnknownFeature, NotSeats, UnknownUser }

    internal const string PersonSql = "select count(*) from AppUser where CustomerId = @customerId and Email = @email and RemovedAt is null";

    /// <summary>
    /// One feature, optionally for <paramref name="requested"/> more units of use, asked in <paramref name="country"/> (or without one).
    /// With <paramref name="user"/> (an assigned-seats feature only): does that person of the customer hold a seat that gives access now?
    /// </summary>
    public async Task<(Outcome Outcome, EntitlementCheck? Check)> FeatureAsync(string customerKey, string handle, decimal? requested, CancellationToken ct = default,
        string? country = null, string? user = null)
    {
        var (outcome, check, feature, customer) = await FeatureAsync(customerKey, handle, requested, ct, country);
        if (outcome != Outcome.Ok || check is null || feature is null || customer is null) return (outcome, check);
        // Only a seat feature reads more: every other check stays as it was (from memory while nothing changed).
        if (!feature.AssignedSeats) return user is null ? (outcome, check) : (Outcome.NotSeats, null);
        var pool = (await team.SeatPoolsAsync(customer.ExternalKey, customer.Id, clock.GetUtcNow().UtcDateTime, ct: ct)).FirstOrDefault(p => p.Feature.Id == feature.Id);
        var assigned = pool?.Assigned ?? 0;
        if (user is null) return (outcome, check with { Assigned = assigned });
        var email = SelfService.Identity.UserStore.Normalize(user);
        var holder = pool?.HolderOf(email);
        if (holder is null)
        {
            await using var connection = await db.OpenAsync(ct);
            if (await connection.ExecuteScalarAsync<int>(new CommandDefinition(PersonSql, new { customerId = customer.Id, email }, cancellationToken: ct)) == 0)
                return (Outcome.UnknownUser, null);
        }
        // The seat decides, once the account itself would give access (active, entitled, in the country asked).
        var accountReason = check.Reason is DenialReasons.CapReached ? null : check.Reason;
        var entitled = check.Unlimited || check.Limit > 0;
        var reason = accountReason ?? (!entitled ? DenialReasons.NoEntitlement : holder is null ? DenialReasons.NoSeat : holder.Flagged ? DenialReasons.SeatOverLimit : null);
        return (outcome, check with { HasAccess = reason is null, Reason = reason, Assigned = assigned, User = email, Requested = null, Overage = false });
    }

    private async Task<(Outcome Outcome, EntitlementCheck? Check, Feature? Feature, Customer? Customer)> FeatureAsync(string customerKey, string handle,
        decimal? requested, CancellationToken ct, string? country)
    {
        var account = await entitlements.ForCustomerAsync(customerKey, ct: ct, where: Where.For(country));
        if (account is null)
        {
            // A customer provisioned without a subscription yet: known, but entitled to nothing.
            var customer = await CustomerAsync(customerKey, ct);
            if (customer is null) return (Outcome.UnknownCustomer, null, null, null);
            var known = (await catalog.FeaturesAsync(ct)).FirstOrDefault(f => f.Handle == handle);
            return known is null ? (Outcome.UnknownFeature, null, null, null)
                : (Outcome.Ok, Evaluate(customer.ExternalKey, known, null, active: false, 0, null, requested) with { Country = country }, known, customer);
        }

        var feature = account.AllFeatures.FirstOrDefault(f => f.Handle == handle);
        if (feature is null) return (Outcome.UnknownFeature, null, null, null);
        var entitlement = account.For(handle);
        var period = UsagePeriod.Containing(account.At, account.Subscription.BillingAnchorDay);
        var used = feature.IsNumeric ? await usage.UsageAsync(account.Customer.Id, feature, period, ct) : 0;
        return (Outcome.Ok, Evaluate(account.Customer.ExternalKey, feature, entitlement, account.IsActive, used, period, requested) with { Country = country },
            feature, account.Customer);
    }

    /// <summary>
    /// Every source of each feature with a region rule, regions spelt out as countries, and the embargo list: what a token
    /// carries so an app can answer for any country offline. Features without rules are left out.
    /// </summary>
    public async Task<(IReadOnlyDictionary<string, TokenRegions> Rules, IReadOnlyList<string> Embargo)> RegionRulesAsync(string customerKey, CancellationToken ct = default)
    {
        var account = await entitlements.ForCustomerAsync(customerKey, ct: ct);
        if (account is null) return (new Dictionary<string, TokenRegions>(), []);
        var regions = account.Regions;
        var rules = account.Entitlements.Where(e => e.HasRegionRules).ToDictionary(e => e.Feature.Handle, e => new TokenRegions(
            CatalogEditor.Policy(e.Feature.NoCountryPolicy), e.Feature.IsNumeric && e.HardCap,
            e.AllSources.Select(s => new TokenSource(
                View(s).Kind, s.Contribution.Unlimited ? null : s.Contribution.Amount, s.Contribution.Unlimited,
                s.Rule is { Mode: RegionMode.Only } only ? Countries(only, regions) : null,
                s.Rule is { Mode: RegionMode.Except } except ? Countries(except, regions) : null)).ToList()));
        return (rules, regions.Embargo.Order(StringComparer.Ordinal).ToList());
    }

    private static IReadOnlyList<string> Countries(RegionRule rule, RegionCatalog regions) =>
        rule.Places.SelectMany(regions.CountriesOf).Distinct().Order(StringComparer.Ordinal).ToList();

    private async Task<Customer?> CustomerAsync(string customerKey, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Customer>(new CommandDefinition(CustomerSql, new { customer = customerKey }, cancellationToken: ct));
    }

    /// <summary>
    /// Phrases one entitlement. Without <paramref name="requested"/> the question is "may the customer use more now?"
    /// (a hard cap allows it while usage is below the limit); with it, "may they use <paramref name="requested"/> more?"
    /// (allowed while usage + requested stays within the limit). A soft cap always allows and flags the use beyond it as overage.
    /// </summary>
    public static EntitlementCheck Evaluate(string customer, Feature feature, EffectiveEntitlement? entitlement, bool active,
        decimal usage, UsagePeriod? period, decimal? requested)
    {
        var sources = entitlement?.Sources.Select(View).ToList() ?? [];
        var entitled = entitlement?.HasAccess == true;
        var regionReason = entitlement?.RegionDenial switch
        {
            RegionDenial.Embargoed => DenialReasons.Embargoed,
            RegionDenial.RegionNotAllowed => DenialReasons.RegionNotAllowed,
            RegionDenial.CountryRequired => DenialReasons.CountryRequired,
            _ => null,
        };
        var notEntitled = regionReason ?? DenialReasons.NoEntitlement;
        // Where the sources that do not count here are valid: what a region-not-allowed answer points to.
        IReadOnlyList<RegionsView>? allowedIn = regionReason is DenialReasons.RegionNotAllowed or DenialReasons.CountryRequired && !entitled
            ? entitlement!.Excluded.Select(s => s.Rule).OfType<RegionRule>().DistinctBy(r => r.Stored).Select(r => RegionsView.Of(r)!).ToList()
            : null;
        var kind = feature.Kind.ToString().ToLowerInvariant();
        var aggregation = feature.Aggregation?.ToString().ToLowerInvariant();

        if (!feature.IsNumeric)
        {
            return new EntitlementCheck(customer, feature.Handle, feature.Name, kind, feature.Unit, aggregation,
                HasAccess: active && entitled,
                Reason: !active ? DenialReasons.SubscriptionInactive : !entitled ? notEntitled : null,
                Limit: null, Unlimited: entitlement?.Unlimited == true, HardCap: null, Usage: null, Remaining: null,
                Requested: requested, Overage: false, PeriodStart: null, PeriodEnd: null, sources, AllowedIn: allowedIn);
        }

        // Latest-aggregated features (seats in use now) have no period: their usage is the last value reported.
        var shownPeriod = feature.Aggregation == Aggregation.Latest ? null : period;
        var unlimited = entitlement?.Unlimited == true;
        var limit = unlimited ? (long?)null : entitlement?.Limit ?? 0;
        var hardCap = !unlimited && (entitlement?.HardCap ?? true);
        var withinCap = unlimited || (requested is { } n ? usage + n <= limit : usage < limit);
        var allowed = active && entitled && (withinCap || !hardCap);
        string? reason = !active ? DenialReasons.SubscriptionInactive
            : !entitled ? notEntitled
            : !withinCap && hardCap ? DenialReasons.CapReached
            : null;
        return new EntitlementCheck(customer, feature.Handle, feature.Name, kind, feature.Unit, aggregation,
            HasAccess: allowed, Reason: reason, Limit: limit, Unlimited: unlimited, HardCap: hardCap,
            Usage: Quantities.Normalize(usage), Remaining: limit is { } l ? Quantities.Normalize(Math.Max(0, l - usage)) : null, Requested: requested,
            Overage: allowed && !withinCap, PeriodStart: shownPeriod?.Start, PeriodEnd: shownPeriod?.End, sources, AllowedIn: allowedIn);
    }

    public static string Status(SubscriptionStatus status) => status.ToString().ToLowerInvariant();

    private static SourceView View(EntitlementSource s) => new(
        s.Kind switch { SourceKind.Plan => "plan", SourceKind.AddOn => "add-on", _ => "grant" },
        s.Name, s.Code, s.Quantity, s.Value.Unlimited ? null : s.Value.Amount, s.Value.Unlimited,
        s.Contribution.Unlimited ? null : s.Contribution.Amount, s.GrantId, s.Reason, s.GrantedBy, s.ValidFrom, s.ValidUntil, RegionsView.Of(s.Rule));
}
