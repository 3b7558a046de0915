using System.Text;
using SelfService.Catalog;
using SelfService.Shared;

namespace SelfService.Portal;

/// <summary>The CSV of exactly the series a usage chart shows.</summary>
public static class UsageCsv
{
    public static string Write(Feature feature, IReadOnlyList<ChartPoint> points, long? cap, bool unlimited)
    {
        var cumulative = feature.Aggregation == Aggregation.Sum;
        var sb = new StringBuilder(cumulative
            ? Csv.Line("bucket_start_utc", "feature", "usage", "period_to_date", "cap", "unit")
            : Csv.Line("bucket_start_utc", "feature", "usage", "cap", "unit"));
        object capCell = unlimited ? "unlimited" : cap is { } c ? c : "";
        foreach (var p in points)
        {
            sb.Append(cumulative
                ? Csv.Line(p.Start, feature.Handle, p.Value, p.Plotted, capCell, feature.Unit)
                : Csv.Line(p.Start, feature.Handle, p.Value, capCell, feature.Unit));
        }
        return sb.ToString();
    }
}
