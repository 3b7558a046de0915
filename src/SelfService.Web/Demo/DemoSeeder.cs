using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using SelfService.Audit;
using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Data;
using SelfService.Identity;
using SelfService.Metering;

namespace SelfService.Demo;

/// <summary>
/// Seeds an empty database with a catalog built from the seeds' use cases, customers in differing
/// situations, a user in every role and months of usage history, all relative to the injected clock.
/// </summary>
public sealed class DemoSeeder(Db db, CatalogStore catalog, CustomerStore customers, SubscriptionChanges changes, UserStore users, AuditLog audit,
    SelfService.Api.ApiKeyStore apiKeys, TimeProvider clock, IOptions<DemoOptions> options, ILogger<DemoSeeder> logger)
{
    public string Password => string.IsNullOrEmpty(options.Value.Password) ? DemoOptions.DefaultPassword : options.Value.Password;

    public async Task<bool> SeedIfEmptyAsync(CancellationToken ct = default)
    {
        if (await customers.AnyAsync(ct)) return false;
        var now = clock.GetUtcNow().UtcDateTime;
        // All of the demo, its API key included, commits at once or not at all: a failed start leaves an empty database to seed again.
        var key = await db.WriteAsync(async (c, tx) =>
        {
            await SeedAsync(c, tx, now);
            return (await apiKeys.CreateAsync(c, tx, "Demo app", SelfService.Api.ApiScopes.All, "demo", options.Value.ApiKey)).Plaintext;
        }, ct);
        if (string.IsNullOrEmpty(options.Value.ApiKey))
        {
            // Stored hashed, so this is the only time it can be shown.
            Console.WriteLine($"Demo API key (shown once; set SelfService:Demo:ApiKey to choose it): {key}");
        }
        logger.LogInformation("Seeded the demo catalog, customers, users and {Months} months of usage", options.Value.HistoryMonths);
        return true;
    }

    private sealed record CustomerSeed(string Key, string Name, string Plan, int AnchorDay, double ApiCallsShareOfCap, params string[] Users);

    internal string InsertUserSql => db.Dialect.InsertReturningId("AppUser", "Email", "DisplayName", "PasswordHash", "Role", "CustomerId", "CreatedAt");

    internal string InsertSeatSql => db.Dialect.InsertReturningId("SeatAssignment", "CustomerId", "FeatureId", "UserId", "AssignedBy", "AssignedAt");

    internal string InsertWatermarkSql => db.Dialect.InsertIgnoringDuplicates("RollupWatermark", ["Name", "LastEventId", "UpdatedAt"], ["Name"]);

    private async Task SeedAsync(DbConnection c, DbTransaction tx, DateTime now)
    {
        // Features: the seeds' handles, one of each kind and aggregation.
        var f = new Dictionary<string, long>();
        async Task Feature(string handle, string name, FeatureKind kind, string? unit, Aggregation? agg, string description, bool seats = false) =>
            f[handle] = await catalog.CreateFeatureAsync(c, tx, new Feature { Handle = handle, Name = name, Kind = kind, Unit = unit, Aggregation = agg, Description = description, AssignedSeats = seats }, now);
        // max-members is held as assigned seats: its usage is the seats the customers' Owners and Admins assign on the team page.
        await Feature("max-members", "Team members", FeatureKind.Limit, "members", Aggregation.Latest, "How many people can be members of the workspace.", seats: true);
        await Feature("api-calls", "API calls", FeatureKind.Metered, "calls", Aggregation.Sum, "Calls to the public API each month.");
        await Feature("storage-gb", "Storage", FeatureKind.Metered, "GB", Aggregation.Max, "Peak storage used in the month.");
        await Feature("sso", "Single sign-on", FeatureKind.Boolean, null, null, "Sign in through your identity provider (SAML, OIDC).");
        await Feature("max-simultaneous-streams", "Simultaneous streams", FeatureKind.Limit, "streams", Aggregation.Max, "Screens that can stream at the same time.");
        await Feature("4k-streaming", "4K streaming", FeatureKind.Boolean, null, null, "Watch in Ultra HD 4K.");

        PlanEntitlement N(string handle, long amount, bool hard = true) => new() { FeatureId = f[handle], Amount = amount, HardCap = hard };
        PlanEntitlement U(string handle) => new() { FeatureId = f[handle], IsUnlimited = true, HardCap = false };
        PlanEntitlement T(string handle) => new() { FeatureId = f[handle], Amount = 1 };
        var plans = new Dictionary<string, long>();
        async Task Plan(string code, string family, string name, long cents, string description, params PlanEntitlement[] es) =>
            plans[code] = await catalog.CreatePlanAsync(c, tx, new PricePlan { Code = code, Version = 1, Family = family, Name = name, MonthlyPriceCents = cents, Description = description, RequiresApproval = code == "enterprise" }, es, now);
        await Plan("starter", "team", "Starter", 29_00, "For small teams getting started.", N("max-members", 5), N("api-calls", 10_000), N("storage-gb", 10));
        await Plan("business", "team", "Business", 99_00, "For growing companies.", N("max-members", 25), N("api-calls", 100_000, hard: false), N("storage-gb", 100));
        await Plan("enterprise", "team", "Enterprise", 499_00, "Unlimited seats, SSO and high volume.", U("max-members"), N("api-calls", 1_000_000, hard: false), N("storage-gb", 1_000), T("sso"));
        await Plan("standard", "streaming", "Standard", 9_99, "HD streaming on one screen.", N("max-simultaneous-streams", 1));
        await Plan("premium", "streaming", "Premium", 19_99, "4K streaming on up to four screens.", N("max-simultaneous-streams", 4), T("4k-streaming"));

        var addOns = new Dictionary<string, long>();
        async Task AddOn(string code, string family, string name, long cents, int max, bool approval, string description, params AddOnEntitlement[] es) =>
            addOns[code] = await catalog.CreateAddOnAsync(c, tx, new AddOn { Code = code, Version = 1, Family = family, Name = name, MonthlyPriceCents = cents, MaxQuantity = max, RequiresApproval = approval, Description = description }, es, now);
        AddOnEntitlement A(string handle, long amount) => new() { FeatureId = f[handle], Amount = amount };
        await AddOn("extra-seats", "team", "Extra Seats", 20_00, 10, true, "Ten more team members per unit.", A("max-members", 10));
        await AddOn("api-calls-pack", "team", "API Calls Pack", 25_00, 20, false, "50,000 more API calls a month per unit.", A("api-calls", 50_000));
        await AddOn("storage-pack", "team", "Storage Pack", 10_00, 50, false, "50 GB more storage per unit.", A("storage-gb", 50));
        await AddOn("4k-pack", "streaming", "4K Pack", 6_00, 1, true, "4K streaming on a Standard plan.", A("4k-streaming", 1));
        await AddOn("extra-streams", "streaming", "Extra Stream", 3_00, 3, false, "One more simultaneous stream per unit.", A("max-simultaneous-streams", 1));

        // Users: one hash for the one demo password keeps seeding fast; every user gets it.
        var hash = (string?)null;
        async Task<long> User(string email, string name, string role, long? customerId)
        {
            var user = new AppUser { Email = email, DisplayName = name, Role = role, CustomerId = customerId };
            if (hash is null)
            {
                var id = await users.CreateAsync(c, tx, user, Password, now);
                hash = await c.ExecuteScalarAsync<string>("select PasswordHash from AppUser where Id = @id", new { id }, tx);
                return id;
            }
            return await c.ExecuteScalarAsync<long>(InsertUserSql,
                new { Email = email, DisplayName = name, PasswordHash = hash, Role = role, CustomerId = customerId, CreatedAt = now }, tx);
        }
        await User(DemoUsers.Operator, "Olivia Operator", Roles.Operator, null);
        await User(DemoUsers.Approver, "Arjun Approver", Roles.Approver, null);

        var history = new UsageHistory(db.Dialect, now, options.Value.HistoryMonths);
        var seeds = new[]
        {
            new CustomerSeed("acme", "Acme Corp", "business", 1, 0.86, "owner:Olga Owner", "admin:Adam Admin", "member:Mia Member"),
            new CustomerSeed("initech", "Initech", "business", 8, 1.12, "owner:Peter Gibbons"),
            new CustomerSeed("globex", "Globex", "starter", 15, 0.35, "owner:Hank Scorpio"),
            new CustomerSeed("umbrella", "Umbrella Films", "standard", 20, 0, "owner:Alice Abernathy"),
            new CustomerSeed("hooli", "Hooli", "enterprise", 1, 0.41, "owner:Gavin Belson"),
        };
        foreach (var s in seeds)
        {
            var customerId = await customers.CreateCustomerAsync(c, tx, s.Key, s.Name, now.AddMonths(-options.Value.HistoryMonths - 2));
            foreach (var u in s.Users)
            {
                var (role, name) = (u[..u.IndexOf(':')], u[(u.IndexOf(':') + 1)..]);
                var userId = await User(DemoUsers.Of(role, s.Key), name, char.ToUpperInvariant(role[0]) + role[1..], customerId);
                // Seat holders of max-members: every Owner and Admin of a team product; Acme's Member has no seat (yet).
                if (s.Plan is "starter" or "business" or "enterprise" && role is "owner" or "admin")
                    await c.ExecuteAsync(InsertSeatSql, new { CustomerId = customerId, FeatureId = f["max-members"], UserId = userId, AssignedBy = DemoUsers.Operator, AssignedAt = now.AddDays(-30) }, tx);
            }
            var subscriptionId = await changes.InsertSubscriptionAsync(c, tx, customerId, plans[s.Plan], SubscriptionStatus.Active, s.AnchorDay, now.AddMonths(-options.Value.HistoryMonths - 1), now);
            var period = UsagePeriod.Containing(now, s.AnchorDay);

            async Task Grant(string handle, long? amount, bool unlimited, string reason, DateTime? from, DateTime? until)
            {
                var id = await changes.InsertGrantAsync(c, tx, new EntitlementGrant
                {
                    SubscriptionId = subscriptionId, FeatureId = f[handle], Amount = amount, IsUnlimited = unlimited,
                    Reason = reason, GrantedBy = DemoUsers.Operator, ValidFrom = from, ValidUntil = until, CreatedAt = from ?? now.AddDays(-30),
                });
                await audit.WriteAsync(c, tx, new AuditEntry
                {
                    At = from ?? now.AddDays(-30), Actor = DemoUsers.Operator, CustomerId = customerId, Kind = AuditKinds.GrantAdded,
                    Subject = $"grant #{id} {handle}", NewValue = unlimited ? "unlimited" : amount?.ToString(System.Globalization.CultureInfo.InvariantCulture), Reason = reason,
                });
            }

            switch (s.Key)
            {
                case "acme":
                    await changes.InsertAddOnAsync(c, tx, subscriptionId, addOns["extra-seats"], 1);
                    await Grant("max-members", 5, false, "Negotiated at the 2026 renewal", null, null);
                    await history.Max(c, tx, customerId, f["storage-gb"], from: 22, to: 61);
                    break;
                case "initech":
                    await history.Max(c, tx, customerId, f["storage-gb"], from: 40, to: 88);
                    break;
                case "globex":
                    await history.Max(c, tx, customerId, f["storage-gb"], from: 1, to: 6);
                    break;
                case "umbrella":
                    await Grant("4k-streaming", 1, false, "4K for the Winter Premiere screening", now.AddDays(-5), now.AddDays(2));
                    await history.Max(c, tx, customerId, f["max-simultaneous-streams"], from: 1, to: 1);
                    break;
                case "hooli":
                    await Grant("storage-gb", 500, false, "Trial of the archive tier", now.AddDays(-3), now.AddDays(27));
                    await history.Max(c, tx, customerId, f["storage-gb"], from: 300, to: 820);
                    break;
            }
            if (s.ApiCallsShareOfCap > 0)
            {
                var cap = await c.ExecuteScalarAsync<long>(
                    "select Amount from PlanEntitlement where PlanId = @plan and FeatureId = @feature",
                    new { plan = plans[s.Plan], feature = f["api-calls"] }, tx);
                await history.Sum(c, tx, customerId, f["api-calls"], period, s.AnchorDay, cap, (long)(cap * s.ApiCallsShareOfCap), spike: s.Key == "acme");
            }
        }
        await c.ExecuteAsync(InsertWatermarkSql,
            new { Name = "usage-hourly", LastEventId = 0L, UpdatedAt = now }, tx);
    }
}
