using System.Net;
using SelfService.Audit;
using SelfService.Data;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages.Staff;

public sealed class AuditTests(AppFactory app) : IClassFixture<AppFactory>
{
    [Fact]
    public async Task Get_FiltersByCustomerKindActorAndDates()
    {
        var client = await OperatorClient.SignIn(app);
        var all = await client.GetDocument("/vendor/audit");
        Assert.True(all.AllByTestId("audit-entry").Count() >= 3);

        var acme = await client.GetDocument("/vendor/audit?customer=acme&kind=grant.added");
        var entry = Assert.Single(acme.AllByTestId("audit-entry"));
        Assert.Contains("Negotiated at the 2026 renewal", entry.Text());

        // umbrella's grant was recorded 5 days ago, hooli's 3 days ago, acme's 30 days ago.
        var recent = await client.GetDocument("/vendor/audit?kind=grant.added&from=2026-11-14&to=2026-11-20");
        Assert.Equal(2, recent.AllByTestId("audit-entry").Count());
        var narrow = await client.GetDocument("/vendor/audit?kind=grant.added&from=2026-11-15&to=2026-11-15");
        Assert.Contains("Umbrella", Assert.Single(narrow.AllByTestId("audit-entry")).Text());

        var byActor = await client.GetDocument("/vendor/audit?actor=nobody-at-all");
        Assert.NotNull(byActor.ByTestId("no-entries"));
        Assert.Equal("0 entries match", byActor.ByTestId("audit-total").Text());
    }

    [Fact]
    public async Task Get_EndBeforeStart_SaysSoBesideTheField()
    {
        var client = await OperatorClient.SignIn(app);
        var page = await client.GetDocument("/vendor/audit?from=2026-11-20&to=2026-11-01");
        Assert.Contains("before the start", page.ErrorFor("To"));
    }

    [Fact]
    public async Task Get_ManyEntries_ArePaged_NewestFirst()
    {
        await using var own = new AppFactory();
        await Seed(own, 120, "test.bulk", i => $"entry {i:000}");
        var client = await OperatorClient.SignIn(own);

        var first = await client.GetDocument("/vendor/audit?kind=test.bulk");
        Assert.Equal(AuditSearch.PageSize, first.AllByTestId("audit-entry").Count());
        Assert.Contains("entry 119", first.AllByTestId("audit-entry").First().Text());
        Assert.Contains("Page 1 of 3", first.ByTestId("pager").Text());

        var last = await client.GetDocument(first.ByTestId("next").GetAttribute("href")!.Replace("p=2", "p=3"));
        Assert.Equal(20, last.AllByTestId("audit-entry").Count());
        Assert.Contains("entry 000", last.AllByTestId("audit-entry").Last().Text());
        Assert.Contains("kind=test.bulk", last.ByTestId("prev").GetAttribute("href"));
    }

    [Fact]
    public async Task GetCsv_ExportsEveryMatchingEntry_Escaped_AndSafeForSpreadsheets()
    {
        await using var own = new AppFactory();
        await Seed(own, 3, "test.csv", i => i == 0 ? "=HYPERLINK(\"http://evil\")" : $"plain, \"quoted\" {i}");
        var client = await OperatorClient.SignIn(own);
        var page = await client.GetDocument("/vendor/audit?kind=test.csv");
        var response = await client.Get(page.ByTestId("audit-csv").GetAttribute("href")!);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition!.ToString());
        var lines = (await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("At (UTC),Actor,Customer,Kind,Subject", lines[0]);
        Assert.Contains("\"plain, \"\"quoted\"\" 2\"", lines[1]);
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil\"\")\"", lines[3]);
    }

    private static async Task Seed(AppFactory app, int count, string kind, Func<int, string> subject)
    {
        var audit = app.Get<AuditLog>();
        await app.Get<Db>().WriteAsync(async (c, tx) =>
        {
            for (var i = 0; i < count; i++)
                await audit.WriteAsync(c, tx, new AuditEntry { At = app.Now.AddMinutes(-count + i), Actor = "someone@vendor.example", Kind = kind, Subject = subject(i) });
        });
    }
}
