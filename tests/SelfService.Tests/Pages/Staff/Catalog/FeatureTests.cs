using AngleSharp.Dom;
using System.Net;
using AngleSharp.Html.Dom;
using SelfService.Catalog;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Staff.Catalog;

public abstract class FeatureTests(AppFactory app)
{
    [SkippableFact]
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

    [SkippableTheory]
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

    [SkippableFact]
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

    [SkippableFact]
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

    [SkippableFact]
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

    [SkippableTheory]
    [InlineData("Metered", "Sum")]
    [InlineData("Boolean", "")]
    public async Task Post_AssignedSeatsOnANonLimitFeature_IsRefusedBesideTheField_AndSavesNothing(string kind, string aggregation)
    {
        var client = await OperatorClient.SignIn(app);
        var before = await app.Scalar<long>("select count(*) from Feature");
        var response = await client.SubmitForm("/vendor/catalog/features", "feature-form", new()
        {
            ["Input.Handle"] = "seat-" + kind.ToLowerInvariant(), ["Input.Name"] = "Seats", ["Input.Kind"] = kind, ["Input.Unit"] = "seats",
            ["Input.Aggregation"] = aggregation, ["Input.AssignedSeats"] = "true",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await PageClient.Parse(response);
        Assert.Contains("Only a Limit feature can be held as assigned seats", page.ErrorFor("Input.AssignedSeats"));
        Assert.True(page.QuerySelector<IHtmlInputElement>("[data-testid=assigned-seats]")!.IsChecked);
        Assert.Equal(before, await app.Scalar<long>("select count(*) from Feature"));
    }

    [SkippableFact]
    public async Task Edit_MarkingALimitFeatureAsAssignedSeats_SavesIt_Audits_AndMovesTheEntitlementStamp()
    {
        var client = await OperatorClient.SignIn(app);
        await client.Follow(await client.SubmitForm("/vendor/catalog/features", "feature-form", new()
        {
            ["Input.Handle"] = "editor-seats", ["Input.Name"] = "Editor seats", ["Input.Kind"] = "Limit", ["Input.Unit"] = "seats", ["Input.Aggregation"] = "Latest",
        }));
        var id = await app.Scalar<long>("select Id from Feature where Handle = 'editor-seats'");
        var page = await client.GetDocument($"/vendor/catalog/features/{id}");
        Assert.False(page.QuerySelector<IHtmlInputElement>("[data-testid=assigned-seats]")!.IsChecked);
        var stamp = await app.Scalar<long>("select Value from EntitlementStamp where Name = 'entitlements'");

        await client.Follow(await client.Submit(page.Form("[data-testid=feature-form]"), new() { ["Input.AssignedSeats"] = "true" }));

        Assert.True((await app.Get<CatalogStore>().FeaturesAsync()).Single(f => f.Id == id).AssignedSeats);
        Assert.True(await app.Scalar<long>("select Value from EntitlementStamp where Name = 'entitlements'") > stamp);
        Assert.Equal("Editor seats (Limit, seats, Latest), assigned seats",
            await app.Scalar<string>("select NewValue from AuditEntry where Kind = 'feature.updated' and Subject = 'feature editor-seats'"));
        var again = await client.GetDocument($"/vendor/catalog/features/{id}");
        Assert.True(again.QuerySelector<IHtmlInputElement>("[data-testid=assigned-seats]")!.IsChecked);
    }

    [SkippableFact]
    public async Task Get_UnknownFeature_Is404()
    {
        var client = await OperatorClient.SignIn(app);
        Assert.Equal(HttpStatusCode.NotFound, (await client.Get("/vendor/catalog/features/999999")).StatusCode);
    }
}

public sealed class SqliteFeatureTests(SqliteApp app) : FeatureTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlFeatureTests(PostgreSqlApp app) : FeatureTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerFeatureTests(SqlServerApp app) : FeatureTests(app), IClassFixture<SqlServerApp>;
