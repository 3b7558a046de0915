using System.Globalization;
using System.Text;
using SelfService.Catalog;

namespace SelfService.Portal;

/// <summary>The CSV of exactly the series a usage chart shows.</summary>
public static class UsageCsv
{
    public static string Write(Feature feature, IReadOnlyList<ChartPoint> points, long? cap, bool unlimited)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var cumulative = feature.Aggregation == Aggregation.Sum;
        sb.Append("bucket_start_utc,feature,usage");
        if (cumulative) sb.Append(",period_to_date");
        sb.Append(",cap,unit\n");
        foreach (var p in points)
        {
            sb.Append(p.Start.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", c)).Append(',')
              .Append(feature.Handle).Append(',')
              .Append(p.Value.ToString("0.######", c));
            if (cumulative) sb.Append(',').Append(p.Plotted.ToString("0.######", c));
            sb.Append(',').Append(unlimited ? "unlimited" : cap?.ToString(c) ?? "")
              .Append(',').Append(feature.Unit ?? "").Append('\n');
        }
        return sb.ToString();
    }
}
