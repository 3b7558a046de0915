using System.Net;
using SelfService.Catalog;
using SelfService.Entitlements;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Staff.Catalog;

public abstract class AddOnTests(AppFactory app)
{
    [SkippableFact]
    public async Task Post_NewAddOn_CreatesIt()
    {
        var client = await OperatorClient.SignIn(app);
        var form = await client.GetDocument("/vendor/catalog/add-ons");
        var response = await client.Submit(form.Form("[data-testid=addon-form]"), new()
        {
            ["Input.Code"] = "sso-pack", ["Input.Family"] = "team", ["Input.Name"] = "SSO Pack", ["Input.Price"] = "50", ["Input.MaxQuantity"] = "1",
            [form.EntitlementField("sso")] = "included",
        });
        Assert.Contains("Created the add-on SSO Pack", (await client.Follow(response)).ByTestId("flash").Text());
        var addOn = (await app.Get<CatalogStore>().SnapshotAsync()).AddOns.Single(a => a.Code == "sso-pack");
        Assert.Equal(1, addOn.MaxQuantity);
        Assert.True(addOn.RequiresApproval);
    }

    [SkippableTheory]
    [InlineData("Input.MaxQuantity", "0", "The maximum quantity is at least 1.")]
    [InlineData("Input.MaxQuantity", "many", "Enter the most units")]
    [InlineData("Input.Price", "abc", "Enter a price in dollars")]
    public async Task Post_BadField_ShowsErrorBesideIt_AndSavesNothing(string field, string value, string error)
    {
        var client = await OperatorClient.SignIn(app);
        var before = await app.Scalar<long>("select count(*) from AddOn");
        var form = await client.GetDocument("/vendor/catalog/add-ons");
        var response = await client.Submit(form.Form("[data-testid=addon-form]"), new()
        {
            ["Input.Code"] = "x-pack", ["Input.Family"] = "team", ["Input.Name"] = "X", ["Input.Price"] = "5", ["Input.MaxQuantity"] = "3",
            [form.EntitlementField("storage-gb")] = "10", [field] = value,
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(error, (await PageClient.Parse(response)).ErrorFor(field));
        Assert.Equal(before, await app.Scalar<long>("select count(*) from AddOn"));
    }

    [SkippableFact]
    public async Task Post_NegativePerUnitValue_ShowsErrorBesideTheFeature()
    {
        var client = await OperatorClient.SignIn(app);
        var form = await client.GetDocument("/vendor/catalog/add-ons");
        var field = form.EntitlementField("storage-gb");
        var response = await client.Submit(form.Form("[data-testid=addon-form]"), new()
        {
            ["Input.Code"] = "neg-pack", ["Input.Family"] = "team", ["Input.Name"] = "Neg", ["Input.Price"] = "5", ["Input.MaxQuantity"] = "3", [field] = "-50",
        });
        Assert.Contains("can't be negative", (await PageClient.Parse(response)).ErrorFor(field));
    }

    [SkippableFact]
    public async Task Post_AddOnInUse_IsSuperseded_AndTheSubscriptionKeepsTheOldVersionUntilMoved()
    {
        var client = await OperatorClient.SignIn(app);
        var extraSeats = await app.Scalar<long>("select Id from AddOn where Code = 'extra-seats' and Version = 1");
        var form = await client.GetDocument($"/vendor/catalog/add-ons/{extraSeats}");
        Assert.Contains("1 subscription has v1", form.ByTestId("supersede-note").Text());
        await client.Follow(await client.Submit(form.Form("[data-testid=addon-form]"), new() { [form.EntitlementField("max-members")] = "15" }));

        Assert.Equal(40, (await app.Get<EntitlementService>().ForCustomerAsync("acme"))!.For("max-members")!.Limit);

        var subscription = await client.GetDocument("/vendor/customers/acme");
        var move = subscription.QuerySelector("[data-testid=addon][data-code=extra-seats] form")!;
        Assert.Contains("Move to v2", move.Text());
        await client.Follow(await client.Submit((AngleSharp.Html.Dom.IHtmlFormElement)move, new()));
        Assert.Equal(45, (await app.Get<EntitlementService>().ForCustomerAsync("acme"))!.For("max-members")!.Limit);
        Assert.Equal(1, await app.AuditCount("subscription.add-on-version-moved"));
    }
}

public sealed class SqliteAddOnTests(SqliteApp app) : AddOnTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlAddOnTests(PostgreSqlApp app) : AddOnTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerAddOnTests(SqlServerApp app) : AddOnTests(app), IClassFixture<SqlServerApp>;
