using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using SelfService.Analytics;
using SelfService.Catalog;
using SelfService.Entitlements;
using SelfService.Shared;

namespace SelfService.Pages.Staff;

public sealed class AnalyticsModel(UsageAnalytics analytics, TimeProvider clock) : OperatorPage
{
    [BindProperty(SupportsGet = true)]
    public string? Feature { get; set; }

    public UsageMatrix Matrix { get; private set; } = null!;
    public IReadOnlyList<FeatureAdoption> Overview { get; private set; } = [];
    public FeatureReport? Report { get; private set; }
    public IReadOnlyList<CountryUsage> ByCountry { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Matrix = await analytics.MatrixAsync(ct);
        Overview = UsageAnalytics.Overview(Matrix);
        var feature = Selected();
        if (feature is null && !string.IsNullOrEmpty(Feature)) return NotFound();
        if (feature is not null) Report = await analytics.ReportAsync(Matrix, feature, ct);
        if (feature is { IsNumeric: true }) ByCountry = await analytics.ByCountryAsync(feature, Matrix.At, ct);
        return Page();
    }

    /// <summary>The selected feature, one row per active customer: plan, entitlement, usage this period, share of cap.</summary>
    public async Task<IActionResult> OnGetCsvAsync(CancellationToken ct)
    {
        Matrix = await analytics.MatrixAsync(ct);
        if (Selected() is not { } feature) return NotFound();
        var csv = new StringBuilder(Csv.Line("Customer", "Name", "Plan", "Plan version", "Has it", "Entitlement", "Cap", "Usage this period", "Period start", "Period end", "Share of cap", "Status"));
        foreach (var r in Matrix.For(feature.Id).OrderByDescending(r => r.Usage).ThenBy(r => r.CustomerKey, StringComparer.Ordinal))
        {
            csv.Append(Csv.Line(r.CustomerKey, r.CustomerName, r.Plan.Code, r.Plan.Version, r.Has ? "yes" : "no",
                r.Has ? EntitlementFormat.Value(feature, r.Value) : "", feature.Kind == FeatureKind.Metered && r.Limit is not null ? (r.HardCap ? "hard" : "soft") : "",
                feature.IsNumeric ? r.Usage : null, r.Period.Start, r.Period.End,
                r.Share is { } s ? Math.Round(s * 100, 1).ToString("0.#", CultureInfo.InvariantCulture) + "%" : "", StatusText(r.Status)));
        }
        return File(Csv.Bytes(csv.ToString()), Csv.ContentType,
            $"usage-{feature.Handle}-{clock.GetUtcNow().UtcDateTime:yyyyMMdd}.csv");
    }

    /// <summary>Every feature: subscribers who have it, use it, are near or at their cap.</summary>
    public async Task<IActionResult> OnGetOverviewCsvAsync(CancellationToken ct)
    {
        Matrix = await analytics.MatrixAsync(ct);
        var csv = new StringBuilder(Csv.Line("Feature", "Name", "Kind", "Active subscriptions", "Have it", "Use it", "Near cap", "At or over cap"));
        foreach (var a in UsageAnalytics.Overview(Matrix))
            csv.Append(Csv.Line(a.Feature.Handle, a.Feature.Name, a.Feature.Kind.ToString(), a.Subscribers, a.Have, a.Use, a.Near, a.Over));
        return File(Csv.Bytes(csv.ToString()), Csv.ContentType,
            $"feature-adoption-{clock.GetUtcNow().UtcDateTime:yyyyMMdd}.csv");
    }

    private Feature? Selected() =>
        string.IsNullOrEmpty(Feature)
            ? Matrix.Catalog.Features.FirstOrDefault(f => f.Kind == FeatureKind.Metered) ?? Matrix.Catalog.Features.FirstOrDefault()
            : Matrix.Catalog.Features.FirstOrDefault(f => f.Handle == Feature);

    public static string StatusText(CapStatus s) => s switch
    {
        CapStatus.Over => "at or over cap",
        CapStatus.Near => "near cap",
        CapStatus.Ok => "under cap",
        _ => "no cap",
    };

    public static string Percent(decimal? share) => share is { } s ? EntitlementFormat.Percent(s * 100) : "—";

    /// <summary>What the charts draw, carried in the page as JSON for <c>analytics.js</c> (no inline script).</summary>
    public object ChartData()
    {
        var r = Report!;
        var f = r.Feature;
        return new
        {
            feature = f.Handle,
            unit = f.Unit ?? "",
            valueLabel = f.Aggregation == Aggregation.Sum ? $"Total {f.Unit} per day" : $"Combined daily peak ({f.Unit})",
            trend = new
            {
                labels = r.Trend.Select(p => p.Day.ToString("d MMM", CultureInfo.InvariantCulture)),
                values = r.Trend.Select(p => p.Value),
                customers = r.Trend.Select(p => p.Customers),
            },
            byPlan = new
            {
                labels = r.ByPlan.Select(p => p.PlanName),
                subscribers = r.ByPlan.Select(p => p.Subscribers),
                have = r.ByPlan.Select(p => p.Have),
                use = r.ByPlan.Select(p => p.Use),
                measured = f.IsNumeric,
            },
            top = new
            {
                labels = r.TopConsumers.Select(c => c.CustomerName),
                values = r.TopConsumers.Select(c => c.Usage),
            },
        };
    }
}
