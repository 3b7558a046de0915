using System.Globalization;
using SelfService.Data;

namespace SelfService.Tests.Data;

/// <summary>Exact quantities: read from JSON text without rounding, and written for SQLite so that text order is numeric order.</summary>
public sealed class QuantitiesTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("12", "12")]
    [InlineData("0.1", "0.1")]
    [InlineData("9007199254740993", "9007199254740993")]
    [InlineData("1000000000000000000", "1000000000000000000")]
    [InlineData("1e18", "1000000000000000000")]
    [InlineData("2E-6", "0.000002")]
    [InlineData("1.500000000", "1.5")]
    [InlineData("-0", "0")]
    public void ParseExact_ReadsTheValueWritten(string json, string expected)
    {
        var (value, error) = Quantities.ParseExact(json)!.Value;
        Assert.Null(error);
        Assert.Equal(expected, Quantities.Invariant(value));
    }

    [Theory]
    [InlineData("0.0000001", "6 decimal places")]
    [InlineData("1000000000000000000.5", "too large")]
    [InlineData("1000000000000000001", "too large")]
    [InlineData("1e400", "too large")]
    [InlineData("1e-400", "6 decimal places")]
    [InlineData("-0.5", "negative")]
    public void ParseExact_RefusesWhatItCannotHoldExactly(string json, string reason) =>
        Assert.Contains(reason, Quantities.ParseExact(json)!.Value.Error);

    [Fact]
    public void SqliteText_IsFixedWidth_SortsAsNumbers_AndReadsBack()
    {
        var random = new Random(13);
        var values = Enumerable.Range(0, 2_000).Select(_ => Math.Round((decimal)random.NextDouble() * (decimal)Math.Pow(10, random.Next(0, 18)), random.Next(0, 7)))
            .Concat([0m, 0.000001m, Quantities.MaxValue, 123456789012345678.123456m]).ToList();
        foreach (var v in values)
        {
            var text = Quantities.ToSqlite(v);
            Assert.Equal(v.ToString("000000000000000000000000.000000", CultureInfo.InvariantCulture), text);
            Assert.Equal(v, Quantities.FromDb(text));
        }
        Assert.Equal(values.Order(), values.OrderBy(Quantities.ToSqlite, StringComparer.Ordinal));
    }
}
