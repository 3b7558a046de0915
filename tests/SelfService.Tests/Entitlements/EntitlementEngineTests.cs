using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Entitlements;

namespace SelfService.Tests.Entitlements;

/// <summary>The entitlement rules of DESIGN.md as a table of cases, on the pure engine.</summary>
public sealed class EntitlementEngineTests
{
    private static readonly DateTime T0 = new(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc);

    private static readonly Feature Members = new() { Id = 1, Handle = "max-members", Name = "Members", Kind = FeatureKind.Limit, Unit = "members", Aggregation = Aggregation.Latest };
    private static readonly Feature FourK = new() { Id = 2, Handle = "4k-streaming", Name = "4K", Kind = FeatureKind.Boolean };
    private static readonly Feature Calls = new() { Id = 3, Handle = "api-calls", Name = "Calls", Kind = FeatureKind.Metered, Unit = "calls", Aggregation = Aggregation.Sum };
    private static readonly PricePlan Business = new() { Id = 10, Code = "business", Family = "team", Name = "Business", Version = 1 };
    private static readonly AddOn ExtraSeats = new() { Id = 20, Code = "extra-seats", Family = "team", Name = "Extra Seats", MaxQuantity = 10 };
    private static readonly AddOn SeatBundle = new() { Id = 21, Code = "seat-bundle", Family = "team", Name = "Seat Bundle", MaxQuantity = 5 };

    private sealed record Case(
        string Name,
        Feature Feature,
        long? PlanAmount = null,
        bool PlanUnlimited = false,
        (AddOn AddOn, int Quantity, long Amount)[]? AddOns = null,
        EntitlementGrant[]? Grants = null,
        DateTime? At = null,
        bool ExpectAccess = true,
        long? ExpectLimit = null,
        bool ExpectUnlimited = false,
        int ExpectSources = 1)
    {
        public override string ToString() => Name;
    }

    private static EntitlementGrant Grant(long? amount, DateTime? from = null, DateTime? until = null, bool unlimited = false, long featureId = 1) =>
        new() { Id = 100, SubscriptionId = 1, FeatureId = featureId, Amount = amount, IsUnlimited = unlimited, Reason = "deal", GrantedBy = "op", ValidFrom = from, ValidUntil = until };

    public static TheoryData<string> Cases => new(Table.Select(c => c.Name));

    private static readonly Case[] Table =
    [
        new("plan value alone", Members, PlanAmount: 25, ExpectLimit: 25),
        new("plan plus one add-on times quantity", Members, PlanAmount: 25, AddOns: [(ExtraSeats, 2, 10)], ExpectLimit: 45, ExpectSources: 2),
        new("several add-ons add up", Members, PlanAmount: 5, AddOns: [(ExtraSeats, 3, 10), (SeatBundle, 2, 4)], ExpectLimit: 43, ExpectSources: 3),
        new("plan, add-on and permanent grant", Members, PlanAmount: 25, AddOns: [(ExtraSeats, 1, 10)], Grants: [Grant(5)], ExpectLimit: 40, ExpectSources: 3),
        new("unlimited plan wins over numbers", Members, PlanUnlimited: true, AddOns: [(ExtraSeats, 2, 10)], ExpectUnlimited: true, ExpectSources: 2),
        new("unlimited grant wins over the plan", Members, PlanAmount: 5, Grants: [Grant(null, unlimited: true)], ExpectUnlimited: true, ExpectSources: 2),
        new("grant counts at the first tick of its window", Members, PlanAmount: 5, Grants: [Grant(10, T0, T0.AddDays(7))], At: T0, ExpectLimit: 15, ExpectSources: 2),
        new("grant does not count one tick before its window", Members, PlanAmount: 5, Grants: [Grant(10, T0, T0.AddDays(7))], At: T0.AddTicks(-1), ExpectLimit: 5),
        new("grant counts at the last tick before validUntil", Members, PlanAmount: 5, Grants: [Grant(10, T0, T0.AddDays(7))], At: T0.AddDays(7).AddTicks(-1), ExpectLimit: 15, ExpectSources: 2),
        new("grant does not count at validUntil", Members, PlanAmount: 5, Grants: [Grant(10, T0, T0.AddDays(7))], At: T0.AddDays(7), ExpectLimit: 5),
        new("grant with no start counts until its end", Members, PlanAmount: 5, Grants: [Grant(10, until: T0.AddHours(1))], ExpectLimit: 15, ExpectSources: 2),
        new("boolean from the plan", FourK, PlanAmount: 1),
        new("boolean from a grant only", FourK, Grants: [Grant(1, T0.AddDays(-1), T0.AddDays(1), featureId: 2)]),
        new("boolean from an expired grant is not granted", FourK, Grants: [Grant(1, T0.AddDays(-8), T0.AddDays(-1), featureId: 2)], ExpectAccess: false, ExpectSources: 0),
        new("boolean from plan and grant is still just true", FourK, PlanAmount: 1, Grants: [Grant(1, featureId: 2)], ExpectSources: 2),
        new("metered cap from plan plus pack", Calls, PlanAmount: 100_000, AddOns: [(ExtraSeats, 2, 50_000)], ExpectLimit: 200_000, ExpectSources: 2),
        new("no source at all means no entitlement", Members, ExpectAccess: false, ExpectSources: 0),
        new("a zero plan value gives no access", Members, PlanAmount: 0, ExpectAccess: false, ExpectLimit: 0),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compute_FollowsTheRules(string name)
    {
        var c = Table.Single(x => x.Name == name);
        var planEntitlements = c.PlanAmount is not null || c.PlanUnlimited
            ? new[] { new PlanEntitlement { PlanId = Business.Id, FeatureId = c.Feature.Id, Amount = c.PlanAmount, IsUnlimited = c.PlanUnlimited } }
            : [];
        var addOns = (c.AddOns ?? []).Select(a => (a.AddOn, a.Quantity)).ToList();
        var addOnEntitlements = (c.AddOns ?? []).Select(a => new AddOnEntitlement { AddOnId = a.AddOn.Id, FeatureId = c.Feature.Id, Amount = a.Amount }).ToList();
        var inputs = new EntitlementInputs([Members, FourK, Calls], Business, planEntitlements, addOns, addOnEntitlements, c.Grants ?? []);

        var result = EntitlementEngine.Compute(inputs, c.At ?? T0).SingleOrDefault(e => e.Feature.Id == c.Feature.Id);

        Assert.Equal(c.ExpectAccess, result?.HasAccess ?? false);
        Assert.Equal(c.ExpectSources, result?.Sources.Count ?? 0);
        if (c.ExpectUnlimited)
        {
            Assert.True(result!.Unlimited);
            Assert.Null(result.Limit);
        }
        else if (c.ExpectLimit is { } limit)
        {
            Assert.False(result!.Unlimited);
            Assert.Equal(limit, result.Limit);
        }
    }

    [Fact]
    public void Compute_KeepsEverySourceWithItsContribution()
    {
        var inputs = new EntitlementInputs([Members], Business,
            [new PlanEntitlement { PlanId = Business.Id, FeatureId = Members.Id, Amount = 25 }],
            [(ExtraSeats, 2)], [new AddOnEntitlement { AddOnId = ExtraSeats.Id, FeatureId = Members.Id, Amount = 10 }],
            [Grant(5, T0.AddDays(-1), T0.AddDays(3))]);

        var e = Assert.Single(EntitlementEngine.Compute(inputs, T0));

        Assert.Equal([SourceKind.Plan, SourceKind.AddOn, SourceKind.Grant], e.Sources.Select(s => s.Kind));
        Assert.Equal([25L, 20L, 5L], e.Sources.Select(s => s.Contribution.Amount!.Value));
        Assert.Equal("deal", e.Sources[2].Reason);
        Assert.Equal("+20 members", EntitlementFormat.Contribution(Members, e.Sources[1]));
        Assert.Equal("ends in 3 days", EntitlementFormat.Window(e.Sources[2].ValidFrom, e.Sources[2].ValidUntil, T0));
    }

    [Fact]
    public void Compute_RevokedGrant_StopsCountingAtItsRevocation()
    {
        var grant = Grant(10) with { RevokedAt = T0 };
        var inputs = new EntitlementInputs([Members], Business,
            [new PlanEntitlement { PlanId = Business.Id, FeatureId = Members.Id, Amount = 5 }], [], [], [grant]);

        Assert.Equal(15, EntitlementEngine.Compute(inputs, T0.AddTicks(-1)).Single().Limit);
        Assert.Equal(5, EntitlementEngine.Compute(inputs, T0).Single().Limit);
    }
}
