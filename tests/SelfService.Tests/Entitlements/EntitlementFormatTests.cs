using SelfService.Catalog;
using SelfService.Entitlements;

namespace SelfService.Tests.Entitlements;

public sealed class EntitlementFormatTests
{
    private static Feature Unit(string unit) => new() { Handle = "x", Name = "X", Kind = FeatureKind.Limit, Unit = unit, Aggregation = Aggregation.Max };

    [Theory]
    [InlineData("streams", 1, "1 stream")]
    [InlineData("streams", 2, "2 streams")]
    [InlineData("members", 1, "1 member")]
    [InlineData("calls", 0, "0 calls")]
    [InlineData("calls", 1_000_000, "1,000,000 calls")]
    [InlineData("GB", 1, "1 GB")]
    [InlineData("entries", 1, "1 entry")]
    [InlineData("boxes", 1, "1 box")]
    [InlineData("seats", 1.5, "1.5 seats")]
    public void Quantity_ReadsSingularForOne(string unit, double amount, string expected) =>
        Assert.Equal(expected, EntitlementFormat.Quantity(Unit(unit), (decimal)amount));

    [Fact]
    public void Window_EndingWithinAMinute_SaysHowSoon()
    {
        var now = new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal("ends in less than a minute", EntitlementFormat.Window(null, now.AddSeconds(30), now));
        Assert.Equal("ended a moment ago", EntitlementFormat.Window(null, now.AddSeconds(-30), now));
        Assert.Equal("ends in 3 days", EntitlementFormat.Window(null, now.AddDays(3), now));
    }
}
