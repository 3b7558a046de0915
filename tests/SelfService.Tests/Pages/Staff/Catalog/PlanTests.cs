using AngleSharp.Dom;
using System.Net;
using SelfService.Catalog;
using SelfService.Entitlements;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Staff.Catalog;

public sealed class PlanTests(AppFactory app) : IClassFixture<AppFactory>
{
    private async Task<long> PlanId(string code, int version = 1) =>
        await app.Scalar<long>("select Id from PricePlan where Code = @code and Version = @version", new { code, version });

    [Fact]
    public async Task Get_Catalog_ShowsHowManySubscriptionsAreOnEachVersion()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/catalog");
        string Count(string code) => page.QuerySelector($"[data-testid=plan-version][data-code={code}][data-version='1'] [data-testid=subscriptions]")!.Text();
        Assert.Equal("2 subscriptions", Count("business")); // acme, initech
        Assert.Equal("1 subscription", Count("starter"));
        Assert.Equal("1 subscription", Count("standard"));
        Assert.Equal("none", Count("premium"));
        Assert.Equal("1 subscription", page.QuerySelector("[data-testid=addon-version][data-code=extra-seats] [data-testid=subscriptions]")!.Text());
    }

    [Fact]
    public async Task Post_NewPlan_CreatesVersion1_WithItsEntitlements()
    {
        var client = await OperatorClient.SignIn(app);
        var form = await client.GetDocument("/vendor/catalog/plans");
        var response = await client.Submit(form.Form("[data-testid=plan-form]"), new()
        {
            ["Input.Code"] = "scale", ["Input.Family"] = "team", ["Input.Name"] = "Scale", ["Input.Price"] = "249.50",
            [form.EntitlementField("max-members")] = "100", [form.EntitlementField("api-calls")] = "unlimited", [form.EntitlementField("sso")] = "included",
        });
        var catalog = await client.Follow(response);
        Assert.Contains("Created the plan Scale (scale v1)", catalog.ByTestId("flash").Text());

        var plan = (await app.Get<CatalogStore>().SnapshotAsync()).Plans.Single(p => p.Code == "scale");
        Assert.Equal(24_950, plan.MonthlyPriceCents);
        var entitlements = (await app.Get<CatalogStore>().SnapshotAsync()).EntitlementsOf(plan);
        Assert.Equal(3, entitlements.Count);
        Assert.Contains(entitlements, e => e.IsUnlimited);
        Assert.Equal(1, await app.Scalar<long>("select count(*) from AuditEntry where Kind = 'plan.created' and Subject = 'plan scale v1'"));
    }

    [Theory]
    [InlineData("sso", "5", "sso is on or off, not a number")]
    [InlineData("max-members", "-3", "A value can't be negative.")]
    [InlineData("max-members", "2.5", "Enter a whole number.")]
    [InlineData("api-calls", "lots", "Enter a whole number, or unlimited.")]
    public async Task Post_BadEntitlementValue_ShowsErrorBesideThatFeature_AndSavesNothing(string handle, string value, string error)
    {
        var client = await OperatorClient.SignIn(app);
        var plans = await app.Scalar<long>("select count(*) from PricePlan");
        var form = await client.GetDocument("/vendor/catalog/plans");
        var field = form.EntitlementField(handle);
        var response = await client.Submit(form.Form("[data-testid=plan-form]"), new()
        {
            ["Input.Code"] = "broken", ["Input.Family"] = "team", ["Input.Name"] = "Broken", ["Input.Price"] = "10", [field] = value,
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await PageClient.Parse(response);
        Assert.Contains(error, page.ErrorFor(field));
        Assert.Equal("Broken", page.QuerySelector<AngleSharp.Html.Dom.IHtmlInputElement>("#Input_Name")!.Value);
        Assert.Equal(plans, await app.Scalar<long>("select count(*) from PricePlan"));
    }

    [Theory]
    [InlineData("Input.Price", "-1", "A price can't be negative.")]
    [InlineData("Input.Code", "business", "A plan with the code business exists already")]
    [InlineData("Input.Code", "Business Plus", "Use lowercase letters")]
    public async Task Post_BadPlanField_ShowsErrorBesideIt(string field, string value, string error)
    {
        var client = await OperatorClient.SignIn(app);
        var response = await client.SubmitForm("/vendor/catalog/plans", "plan-form", new()
        {
            ["Input.Code"] = "fine", ["Input.Family"] = "team", ["Input.Name"] = "Fine", ["Input.Price"] = "1", [field] = value,
        });
        Assert.Contains(error, (await PageClient.Parse(response)).ErrorFor(field));
    }

    [Fact]
    public async Task Post_PlanNobodyIsOn_IsEditedInPlace()
    {
        var client = await OperatorClient.SignIn(app);
        var premium = await PlanId("premium");
        var form = await client.GetDocument($"/vendor/catalog/plans/{premium}");
        Assert.Empty(form.QuerySelectorAll("[data-testid=supersede-note]"));
        var response = await client.Submit(form.Form("[data-testid=plan-form]"), new() { ["Input.Price"] = "21.99" });
        Assert.Contains("Saved Premium (premium v1)", (await client.Follow(response)).ByTestId("flash").Text());
        Assert.Equal(2199, await app.Scalar<long>("select MonthlyPriceCents from PricePlan where Id = @premium", new { premium }));
        Assert.Equal(1, await app.Scalar<long>("select count(*) from PricePlan where Code = 'premium'"));
    }

    [Fact]
    public async Task Post_PlanInUse_SupersedesItWithVersion2_AndSubscriptionsStayOnVersion1()
    {
        var client = await OperatorClient.SignIn(app);
        var starter = await PlanId("starter");
        var form = await client.GetDocument($"/vendor/catalog/plans/{starter}");
        Assert.Contains("1 subscription is on v1", form.ByTestId("supersede-note").Text());
        var response = await client.Submit(form.Form("[data-testid=plan-form]"), new() { [form.EntitlementField("max-members")] = "8" });

        var catalog = await client.Follow(response);
        Assert.Contains("Created starter v2. 1 subscription stays on v1 until moved.", catalog.ByTestId("flash").Text());
        Assert.Equal("1 subscription", catalog.QuerySelector("[data-testid=plan-version][data-code=starter][data-version='1'] [data-testid=subscriptions]")!.Text());
        Assert.Equal("none", catalog.QuerySelector("[data-testid=plan-version][data-code=starter][data-version='2'] [data-testid=subscriptions]")!.Text());

        var globex = (await app.Get<EntitlementService>().ForCustomerAsync("globex"))!;
        Assert.Equal(1, globex.Plan.Version);
        Assert.Equal(5, globex.For("max-members")!.Limit);
        Assert.Equal(1, await app.Scalar<long>("select count(*) from AuditEntry where Kind = 'plan.superseded' and Subject like 'plan starter v1%'"));

        // A superseded version can no longer be changed.
        var old = await client.GetDocument($"/vendor/catalog/plans/{starter}");
        Assert.NotNull(old.ByTestId("superseded"));
        Assert.Empty(old.QuerySelectorAll("[data-testid=plan-form]"));
    }

    [Fact]
    public async Task Post_MoveAll_MovesEverySubscriptionOnASupersededVersion()
    {
        await using var own = new AppFactory();
        var client = await OperatorClient.SignIn(own);
        var business = await own.Scalar<long>("select Id from PricePlan where Code = 'business'");
        var form = await client.GetDocument($"/vendor/catalog/plans/{business}");
        await client.Follow(await client.Submit(form.Form("[data-testid=plan-form]"), new() { [form.EntitlementField("max-members")] = "30" }));

        var catalog = await client.GetDocument("/vendor/catalog");
        var move = catalog.QuerySelector("[data-testid=plan-version][data-code=business][data-version='1'] form")!;
        Assert.Contains("Move 2 to v2", move.Text());
        var moved = await client.Follow(await client.Submit((AngleSharp.Html.Dom.IHtmlFormElement)move, new()));
        Assert.Contains("Moved 2 subscriptions", moved.ByTestId("flash").Text());
        Assert.Equal(40 - 25 + 30, (await own.Get<EntitlementService>().ForCustomerAsync("acme"))!.For("max-members")!.Limit);
        Assert.Equal(2, await own.AuditCount("subscription.version-moved"));
    }
}
