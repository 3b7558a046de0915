using AngleSharp.Html.Dom;
using Dapper;
using SelfService.Data;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Pages;

/// <summary>
/// Long lists for the paging tests: rows written straight into the tables (hundreds, many sharing one instant, so that
/// only the tie-break on the key keeps pages apart), and a reader that follows a list's "Next" links to its end.
/// </summary>
public static class LongListKit
{
    public static async Task<long> Id(AppFactory app, string sql, object args)
    {
        await using var c = await app.Get<Db>().OpenAsync();
        return await c.ExecuteScalarAsync<long>(sql, args);
    }

    public static Task<long> CustomerId(AppFactory app, string key) => Id(app, "select Id from Customer where ExternalKey = @key", new { key });

    public static Task<long> UserId(AppFactory app, string email) => Id(app, "select Id from AppUser where Email = @email", new { email });

    /// <summary>The instant of row <paramref name="i"/>: ten rows share each minute, counting back from <paramref name="latest"/>.</summary>
    public static DateTime At(DateTime latest, int i) => latest.AddMinutes(-(i / 10));

    /// <summary>
    /// <paramref name="count"/> add-on requests of <paramref name="customer"/>, waiting for an Approver, asked up to
    /// <paramref name="latest"/> (ten a minute, going back); returns their ids.
    /// </summary>
    public static async Task<IReadOnlyList<long>> Requests(AppFactory app, string customer, string requesterEmail, int count, DateTime latest, string kind = "AddOn")
    {
        var customerId = await CustomerId(app, customer);
        var userId = await UserId(app, requesterEmail);
        var addOnId = await Id(app, "select min(Id) from AddOn", new { });
        var planId = await Id(app, "select min(Id) from PricePlan", new { });
        var featureId = await Id(app, "select min(Id) from Feature", new { });
        var db = app.Get<Db>();
        var marker = $"long-list-{Guid.NewGuid():N}";
        await db.WriteAsync(async (c, tx) =>
        {
            for (var i = 0; i < count; i++)
            {
                var at = At(latest, i);
                await c.ExecuteAsync("""
                    insert into AccessRequest (CustomerId, RequestedByUserId, RequestedBy, RequesterRole, Kind, AddOnId, PlanId, FeatureId, Quantity, DurationDays,
                                               Justification, State, Step, NeedsVendorApproval, Version, CreatedAt, UpdatedAt)
                    values (@customerId, @userId, @email, 'Owner', @kind, @addOnId, @planId, @featureId, @quantity, @days, @marker, 'Pending', 'Vendor', @needs, 1, @at, @at)
                    """, new
                {
                    customerId, userId, email = requesterEmail, kind,
                    addOnId = kind == "AddOn" ? addOnId : (long?)null, planId = kind == "Plan" ? planId : (long?)null, featureId = kind == "Access" ? featureId : (long?)null,
                    quantity = kind == "AddOn" ? 1 : (int?)null, days = kind == "Access" ? 7 : (int?)null, marker, needs = true, at,
                }, tx);
            }
        });
        await using var read = await db.OpenAsync();
        return (await read.QueryAsync<long>("select Id from AccessRequest where Justification = @marker", new { marker })).AsList();
    }

    /// <summary><paramref name="count"/> audit entries of one customer, ten a minute back from <paramref name="latest"/>.</summary>
    public static async Task Audit(AppFactory app, string customer, int count, DateTime latest)
    {
        var customerId = await CustomerId(app, customer);
        await app.Get<Db>().WriteAsync(async (c, tx) =>
        {
            for (var i = 0; i < count; i++)
                await c.ExecuteAsync("insert into AuditEntry (At, Actor, CustomerId, Kind, Subject) values (@at, 'operator@vendor.example', @customerId, 'grant.added', @subject)",
                    new { at = At(latest, i), customerId, subject = $"{customer} long-list entry {i:000}" }, tx);
        });
    }

    /// <summary><paramref name="count"/> notifications to the whole customer, ten a minute back from <paramref name="latest"/>.</summary>
    public static async Task Notifications(AppFactory app, string customer, int count, DateTime latest)
    {
        var customerId = await CustomerId(app, customer);
        await app.Get<Db>().WriteAsync(async (c, tx) =>
        {
            for (var i = 0; i < count; i++)
                await c.ExecuteAsync("insert into Notification (CustomerId, UserId, Kind, Title, Body, CreatedAt, DedupKey) values (@customerId, null, 'long-list', @title, '', @at, @key)",
                    new { customerId, title = $"{customer} long-list note {i:000}", at = At(latest, i), key = Guid.NewGuid().ToString("N") }, tx);
        });
    }

    /// <summary><paramref name="count"/> customers named "Paging Co NNN" (two of each name), keys <c>paging-NNN</c>.</summary>
    public static async Task Customers(AppFactory app, int count, DateTime now)
    {
        await app.Get<Db>().WriteAsync(async (c, tx) =>
        {
            for (var i = 0; i < count; i++)
                await c.ExecuteAsync("insert into Customer (ExternalKey, Name, CreatedAt) values (@key, @name, @now)",
                    new { key = $"paging-{i:000}", name = $"Paging Co {i / 2:000}", now }, tx);
        });
    }

    /// <summary>What one page of a list showed.</summary>
    public sealed record ListPage(string Url, IReadOnlyList<string> Keys, string? Range);

    /// <summary>Reads <paramref name="url"/> and every page its "Next" links lead to, each row's key read by <paramref name="key"/>.</summary>
    public static async Task<IReadOnlyList<ListPage>> AllPages(PageClient client, string url, string rowTestId, Func<AngleSharp.Dom.IElement, string> key)
    {
        var pages = new List<ListPage>();
        string? next = url;
        while (next is not null)
        {
            Assert.True(pages.Count < 50, "the Next links never end");
            var page = await client.GetDocument(next);
            pages.Add(new ListPage(next, page.AllByTestId(rowTestId).Select(key).ToList(), page.QuerySelector("[data-testid=page-range]")?.TextContent.Trim()));
            next = (page.QuerySelector("[data-testid=pager] a[rel=next]") as IHtmlAnchorElement)?.GetAttribute("href");
        }
        return pages;
    }

    /// <summary>Every row once, in the order the pages gave them: no row on two pages, none left out.</summary>
    public static IReadOnlyList<string> AssertNoDuplicates(IReadOnlyList<ListPage> pages)
    {
        var all = pages.SelectMany(p => p.Keys).ToList();
        var repeated = all.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(repeated.Count == 0, $"on two pages: {string.Join(", ", repeated.Take(10))}");
        return all;
    }
}
