using System.Data.Common;
using SelfService.Catalog;

namespace SelfService.Metering;

/// <summary>One metered feature's usage in one period, as the rollup's threshold check has just read it.</summary>
public sealed record UsageReading(long CustomerId, string CustomerKey, Feature Feature, long Cap, bool HardCap, decimal Used, UsagePeriod Period);

/// <summary>
/// Told by <see cref="ThresholdMonitor"/>, inside the rollup's transaction, of every usage it checks against a cap: the
/// alerts each customer user chose (<c>Alerts/</c>, a folder above this one) are judged from it.
/// </summary>
public interface IUsageAlerts
{
    Task CheckAsync(DbConnection c, DbTransaction tx, UsageReading reading, DateTime now, CancellationToken ct);
}
