using SelfService.Catalog;
using SelfService.Customers;
using SelfService.Entitlements;

namespace SelfService.Tests.Entitlements;

/// <summary>How region rules combine with the sources of an entitlement, per country, on the pure engine.</summary>
public sealed class RegionRuleEngineTests
{
    private static readonly DateTime T0 = new(2026, 12, 3, 12, 0, 0, DateTimeKind.Utc);

    private static readonly Feature FourK = new() { Id = 1, Handle = "4k-streaming", Name = "4K streaming", Kind = FeatureKind.Boolean };
    private static readonly Feature Streams = new() { Id = 2, Handle = "streams", Name = "Streams", Kind = FeatureKind.Limit, Unit = "streams", Aggregation = Aggregation.Max };
    private static readonly Feature Open = new() { Id = 3, Handle = "open", Name = "Open", Kind = FeatureKind.Boolean, NoCountryPolicy = NoCountryPolicy.Anywhere };
    private static readonly PricePlan Premium = new() { Id = 10, Code = "premium", Family = "streaming", Name = "Premium", Version = 1 };
    private static readonly AddOn Pack = new() { Id = 20, Code = "pack", Family = "streaming", Name = "Pack", MaxQuantity = 5 };

    private static readonly RegionCatalog Regions = new(
        [
            new Region { Code = "EU", Name = "the EU", Countries = "AT,BE,BG,CY,CZ,DE,DK,EE,ES,FI,FR,GR,HR,HU,IE,IT,LT,LU,LV,MT,NL,PL,PT,RO,SE,SI,SK" },
            new Region { Code = "DACH", Name = "DACH", Countries = "AT,CH,DE" },
        ],
        ["KP"]);

    private static EntitlementGrant Grant(long featureId, long amount, string? regions, DateTime? until = null) =>
        new() { Id = 100, SubscriptionId = 1, FeatureId = featureId, Amount = amount, Reason = "deal", GrantedBy = "op", ValidUntil = until, Regions = regions };

    private static EntitlementInputs Inputs(Feature feature, string? planRule, long planAmount = 1, (int Quantity, long Amount, string? Rule)? addOn = null,
        params EntitlementGrant[] grants) =>
        new([FourK, Streams, Open], Premium,
            planRule == "none" ? [] : [new PlanEntitlement { PlanId = Premium.Id, FeatureId = feature.Id, Amount = planAmount, Regions = planRule }],
            addOn is { } a ? [(Pack, a.Quantity)] : [],
            addOn is { } b ? [new AddOnEntitlement { AddOnId = Pack.Id, FeatureId = feature.Id, Amount = b.Amount, Regions = b.Rule }] : [],
            grants, Regions);

    private static EffectiveEntitlement In(EntitlementInputs inputs, Feature feature, string? country, DateTime? at = null) =>
        EntitlementEngine.Compute(inputs, at ?? T0, Where.For(country)).Single(e => e.Feature.Id == feature.Id);

    [Theory]
    [InlineData("DE", true)]
    [InlineData("FR", true)]
    [InlineData("GB", true)]
    [InlineData("US", false)]
    [InlineData("CH", false)]
    public void OnlyRule_CountsInItsCountriesAndRegions_AndNowhereElse(string country, bool access)
    {
        var e = In(Inputs(FourK, "only:EU,GB"), FourK, country);

        Assert.Equal(access, e.HasAccess);
        Assert.Equal(access ? RegionDenial.None : RegionDenial.RegionNotAllowed, e.RegionDenial);
    }

    [Fact]
    public void PlanEverywhereExceptUs_PlusAGrantInTheUs_Is4kEverywhere()
    {
        var inputs = Inputs(FourK, "except:US", grants: Grant(FourK.Id, 1, "only:US"));

        foreach (var country in new[] { "US", "DE", "GB", "JP", "BR" })
            Assert.True(In(inputs, FourK, country).HasAccess, country);
        Assert.Equal([SourceKind.Grant], In(inputs, FourK, "US").Sources.Select(s => s.Kind));
        Assert.Equal([SourceKind.Plan], In(inputs, FourK, "DE").Sources.Select(s => s.Kind));
    }

    [Theory]
    [InlineData("DE", 4 + 2 * 3 + 5)]   // plan (DACH), add-on (EU) and grant (DE)
    [InlineData("AT", 4 + 2 * 3)]       // plan and add-on; the grant is DE only
    [InlineData("CH", 4)]               // DACH but not the EU
    [InlineData("FR", 2 * 3)]           // the EU but not DACH
    [InlineData("US", 0)]
    public void Numbers_SumOnlyTheSourcesValidInThatCountry(string country, long limit)
    {
        var inputs = Inputs(Streams, "only:DACH", 4, (2, 3, "only:EU"), Grant(Streams.Id, 5, "only:DE"));

        var e = In(inputs, Streams, country);

        Assert.Equal(limit, e.Limit);
        Assert.Equal(limit > 0, e.HasAccess);
    }

    [Fact]
    public void UnlimitedSource_WinsOnlyWhereItCounts()
    {
        var inputs = Inputs(Streams, null, 4, grants: Grant(Streams.Id, 0, "only:DE") with { IsUnlimited = true, Amount = null });

        Assert.True(In(inputs, Streams, "DE").Unlimited);
        Assert.Equal(4, In(inputs, Streams, "FR").Limit);
    }

    [Fact]
    public void EmbargoedCountry_GetsNothing_EvenFromSourcesWithoutARule()
    {
        var inputs = Inputs(Streams, null, 4, (1, 3, null));

        var e = In(inputs, Streams, "KP");

        Assert.False(e.HasAccess);
        Assert.Equal(0, e.Limit);
        Assert.Equal(RegionDenial.Embargoed, e.RegionDenial);
        Assert.Equal(2, e.Excluded.Count);
    }

    [Fact]
    public void WithoutACountry_DenyPolicy_CountsOnlySourcesWithoutARule()
    {
        var inputs = Inputs(Streams, null, 4, grants: Grant(Streams.Id, 5, "only:DE"));

        var e = In(inputs, Streams, null);

        Assert.Equal(4, e.Limit);
        Assert.Equal(RegionDenial.None, e.RegionDenial);
        Assert.Single(e.Excluded);
    }

    [Fact]
    public void WithoutACountry_DenyPolicy_WhenEverySourceHasARule_DeniesAskingForACountry()
    {
        var e = In(Inputs(FourK, "only:EU"), FourK, null);

        Assert.False(e.HasAccess);
        Assert.Equal(RegionDenial.CountryRequired, e.RegionDenial);
    }

    [Fact]
    public void WithoutACountry_AnywherePolicy_CountsEverySource()
    {
        var inputs = new EntitlementInputs([FourK, Streams, Open], Premium,
            [new PlanEntitlement { PlanId = Premium.Id, FeatureId = Open.Id, Amount = 1, Regions = "only:EU" }], [], [], [], Regions);

        var e = In(inputs, Open, null);

        Assert.True(e.HasAccess);
        Assert.Equal(RegionDenial.None, e.RegionDenial);
    }

    [Fact]
    public void FeaturesWithoutRules_AnswerAsBefore_WithOrWithoutACountry()
    {
        var inputs = Inputs(Streams, null, 4, (2, 3, null));

        Assert.Equal(10, In(inputs, Streams, null).Limit);
        Assert.Equal(10, In(inputs, Streams, "US").Limit);
        Assert.Equal(10, EntitlementEngine.Compute(inputs, T0).Single().Limit);
    }

    [Fact]
    public void AnywhereView_ShowsEverySourceWithItsRule()
    {
        var inputs = Inputs(FourK, "except:US", grants: Grant(FourK.Id, 1, "only:US"));

        var e = EntitlementEngine.Compute(inputs, T0).Single();

        Assert.True(e.HasAccess);
        Assert.Equal(["except:US", "only:US"], e.Sources.Select(s => s.Rule!.Stored));
        Assert.Equal("everywhere except the US", Regions.Describe(e.Sources[0].Rule));
        Assert.Equal("in the EU and the UK", Regions.Describe(RegionRule.FromStored("only:EU,GB")));
    }

    [Fact]
    public void RegionRestrictedGrant_EndsAtItsInstant_LikeAnyGrant()
    {
        var until = T0.AddDays(2);
        var inputs = Inputs(FourK, "none", grants: Grant(FourK.Id, 1, "only:DE", until));

        Assert.True(In(inputs, FourK, "DE", until.AddTicks(-1)).HasAccess);
        Assert.Empty(EntitlementEngine.Compute(inputs, until, Where.In("DE")));
    }

    [Fact]
    public void ARegionEdited_ChangesWhatEveryRuleNamingItMeans()
    {
        var edited = new RegionCatalog([new Region { Code = "DACH", Name = "DACH", Countries = "AT,CH,DE,LI" }], []);
        var inputs = Inputs(FourK, "only:DACH") with { Regions = edited };

        Assert.True(In(inputs, FourK, "LI").HasAccess);
        Assert.False(In(Inputs(FourK, "only:DACH"), FourK, "LI").HasAccess);
    }

    [Theory]
    [InlineData("only:EU,GB", null, "in the EU and the UK")]
    [InlineData("only:EU", "only:GB", "in the EU and the UK")]
    [InlineData("except:US", null, "everywhere except the US")]
    [InlineData("except:US", "only:US", null)]
    [InlineData("except:US,DE", "except:US", "everywhere except the US")]
    [InlineData("only:DE", "none", null)]
    public void DescribeWhere_SaysWhereAnyOfTheSourcesCounts(string first, string? second, string? expected)
    {
        var rules = new List<RegionRule?> { RegionRule.FromStored(first) };
        if (second is not null) rules.Add(second == "none" ? null : RegionRule.FromStored(second));

        Assert.Equal(expected, Regions.DescribeWhere(rules));
    }

    [Theory]
    [InlineData("de", "DE", null)]
    [InlineData("DE", "DE", null)]
    [InlineData("UK", null, "GB")]
    [InlineData("XX", null, "assigned")]
    [InlineData("DEU", null, "alpha-2")]
    [InlineData("D1", null, "alpha-2")]
    public void CountryCodes_AreCheckedAgainstTheIsoList(string input, string? code, string? message)
    {
        Assert.Equal(code, Countries.Normalize(input, out var error));
        if (message is not null) Assert.Contains(message, error);
    }

    [Fact]
    public void TheIsoList_HasEveryAssignedCode()
    {
        Assert.Equal(249, Countries.Codes.Count());
        Assert.Equal("the UK", Countries.InSentence("GB"));
        Assert.Equal("Germany", Countries.Name("DE"));
    }

    [Fact]
    public void RuleParse_NamesEveryBadPlace_AndAcceptsRegionsAnyCase()
    {
        var errors = new List<string>();
        Assert.Null(RegionRule.Parse(RegionMode.Only, ["DE", "XX", "Atlantis"], ["EU"], errors));
        Assert.Equal(2, errors.Count);
        Assert.Contains("'XX'", errors[0]);
        Assert.Contains("Atlantis", errors[1]);

        errors.Clear();
        Assert.Equal("except:EU,US", RegionRule.Parse(RegionMode.Except, ["eu", "us", "US"], ["EU"], errors)!.Stored);
        Assert.Empty(errors);
    }
}
