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

    [Theory]
    [InlineData("1000000000000001368", "1,000,000,000,000,001,368")]
    [InlineData("9999.999999", "9,999.999999")]
    [InlineData("0.000001", "0.000001")]
    [InlineData("2.500000", "2.5")]
    public void Number_KeepsEveryDigitOfAnExactQuantity(string exact, string expected) =>
        Assert.Equal(expected, EntitlementFormat.Number(decimal.Parse(exact, System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData("99.7", "99 %")]
    [InlineData("82.5", "83 %")]
    [InlineData("100", "100 %")]
    [InlineData("100.01", "100 %")]
    public void Percent_NeverReadsAHundredBeforeTheCap(string percent, string expected) =>
        Assert.Equal(expected, EntitlementFormat.Percent(decimal.Parse(percent, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Window_EndingWithinAMinute_SaysHowSoon()
    {
        var now = new DateTime(2026, 12, 1, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal("ends in less than a minute", EntitlementFormat.Window(null, now.AddSeconds(30), now));
        Assert.Equal("ended a moment ago", EntitlementFormat.Window(null, now.AddSeconds(-30), now));
        Assert.Equal("ends in 3 days", EntitlementFormat.Window(null, now.AddDays(3), now));
    }
}
