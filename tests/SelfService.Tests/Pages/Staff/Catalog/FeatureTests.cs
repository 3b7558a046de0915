using AngleSharp.Dom;
using System.Net;
using AngleSharp.Html.Dom;
using SelfService.Catalog;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Staff.Catalog;

public sealed class FeatureTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Post_NewFeature_CreatesIt_WithAnAuditEntry_AndListsItInTheCatalog()
    {
        var client = await OperatorClient.SignIn(app);
        var audits = await app.AuditCount("feature.created");
        var response = await client.SubmitForm("/vendor/catalog/features", "feature-form", new()
        {
            ["Input.Handle"] = "priority-support", ["Input.Name"] = "Priority support", ["Input.Kind"] = "Boolean", ["Input.Aggregation"] = "",
        });

        var catalog = await client.Follow(response);
        Assert.Contains("Created the feature priority-support", catalog.ByTestId("flash").Text());
        var row = catalog.QuerySelector("[data-testid=feature][data-handle='priority-support']")!;
        Assert.Contains("Boolean", row.Text());
        Assert.Equal(audits + 1, await app.AuditCount("feature.created"));
    }

    [Theory]
    [InlineData("Max Members", "Use lowercase letters")]
    [InlineData("max--members", "Use lowercase letters")]
    [InlineData("-max", "Use lowercase letters")]
    [InlineData("", "Enter a handle")]
    [InlineData("max-members", "Another feature already has the handle max-members")]
    public async Task Post_DuplicateOrMalformedHandle_ShowsErrorBesideHandle_AndSavesNothing(string handle, string error)
    {
        var client = await OperatorClient.SignIn(app);
        var before = await app.Scalar<long>("select count(*) from Feature");
        var response = await client.SubmitForm("/vendor/catalog/features", "feature-form", new()
        {
            ["Input.Handle"] = handle, ["Input.Name"] = "Seats", ["Input.Kind"] = "Limit", ["Input.Unit"] = "seats", ["Input.Aggregation"] = "Latest",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await PageClient.Parse(response);
        Assert.Contains(error, page.ErrorFor("Input.Handle"));
        Assert.Equal("Seats", page.QuerySelector<IHtmlInputElement>("#Input_Name")!.Value);
        Assert.Equal(before, await app.Scalar<long>("select count(*) from Feature"));
    }

    [Fact]
    public async Task Post_NumericFeatureWithoutUnitOrAggregation_ShowsBothErrors()
    {
        var client = await OperatorClient.SignIn(app);
        var response = await client.SubmitForm("/vendor/catalog/features", "feature-form", new()
        {
            ["Input.Handle"] = "exports", ["Input.Name"] = "Exports", ["Input.Kind"] = "Metered", ["Input.Unit"] = "", ["Input.Aggregation"] = "",
        });
        var page = await PageClient.Parse(response);
        Assert.Contains("Enter the unit", page.ErrorFor("Input.Unit"));
        Assert.Contains("Choose how reported usage adds up", page.ErrorFor("Input.Aggregation"));
    }

    [Fact]
    public async Task Edit_FeatureInUse_KeepsTheHandleFixed_ButSavesTheName()
    {
        var client = await OperatorClient.SignIn(app);
        var sso = (await app.Get<CatalogStore>().FeaturesAsync()).Single(f => f.Handle == "sso");
        var page = await client.GetDocument($"/vendor/catalog/features/{sso.Id}");
        Assert.NotNull(page.ByTestId("in-use"));
        Assert.True(page.QuerySelector<IHtmlInputElement>("#Input_Handle")!.IsReadOnly);
        // Kind and aggregation cannot change either: the selects say so by being disabled, not by a refusal on save.
        Assert.True(page.QuerySelector<IHtmlSelectElement>("select[name='Input.Kind']")!.IsDisabled);
        Assert.True(page.QuerySelector<IHtmlSelectElement>("select[name='Input.Aggregation']")!.IsDisabled);

        var renamed = await client.Submit(page.Form("[data-testid=feature-form]"), new() { ["Input.Handle"] = "single-sign-on" });
        var error = await PageClient.Parse(renamed);
        Assert.Contains("The handle is fixed", error.ErrorFor("Input.Handle"));
        Assert.Equal("sso", await app.Scalar<string>("select Handle from Feature where Id = @id", new { id = sso.Id }));

        var saved = await client.Submit(page.Form("[data-testid=feature-form]"), new() { ["Input.Name"] = "SAML and OIDC sign-on" });
        await client.Follow(saved);
        Assert.Equal("SAML and OIDC sign-on", await app.Scalar<string>("select Name from Feature where Id = @id", new { id = sso.Id }));
        Assert.Equal(1, await app.Scalar<long>("select count(*) from AuditEntry where Kind = 'feature.updated' and Subject = 'feature sso'"));
    }

    [Fact]
    public async Task Edit_FeatureNotInUse_MayChangeItsHandle()
    {
        var client = await OperatorClient.SignIn(app);
        await client.Follow(await client.SubmitForm("/vendor/catalog/features", "feature-form", new()
        {
            ["Input.Handle"] = "beta-lab", ["Input.Name"] = "Beta lab", ["Input.Kind"] = "Boolean",
        }));
        var id = await app.Scalar<long>("select Id from Feature where Handle = 'beta-lab'");
        var response = await client.SubmitForm($"/vendor/catalog/features/{id}", "feature-form", new() { ["Input.Handle"] = "labs" });
        await client.Follow(response);
        Assert.Equal("labs", await app.Scalar<string>("select Handle from Feature where Id = @id", new { id }));
    }

    [Fact]
    public async Task Get_UnknownFeature_Is404()
    {
        var client = await OperatorClient.SignIn(app);
        Assert.Equal(HttpStatusCode.NotFound, (await client.Get("/vendor/catalog/features/999999")).StatusCode);
    }
}
