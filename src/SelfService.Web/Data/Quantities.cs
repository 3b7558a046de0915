using System.Data;
using System.Globalization;
using System.Numerics;
using Dapper;

namespace SelfService.Data;

/// <summary>
/// Usage quantities, sums and caps are exact decimals (C# <see cref="decimal"/>) of at most <see cref="MaxValue"/> with at
/// most <see cref="Scale"/> decimal places. PostgreSQL and SQL Server hold them in <c>numeric(38,6)</c> / <c>decimal(38,6)</c>;
/// SQLite, which has no exact decimal type, holds them as fixed-width text of 24 integer and 6 decimal digits (a scaled
/// integer written out: 64-bit integers cannot hold 10^18 to six places), so that SQLite's text order is their numeric
/// order (<c>max</c>, <c>&gt;</c>, <c>order by</c> work unchanged) and <see cref="SqlDialect.ExactSum"/> adds them in
/// decimal. Nothing is ever a binary float.
/// </summary>
public static class Quantities
{
    /// <summary>Decimal places a quantity may have.</summary>
    public const int Scale = 6;

    /// <summary>The largest quantity one event may report.</summary>
    public const decimal MaxValue = 1_000_000_000_000_000_000m;

    /// <summary>The precision, as the API documentation and the errors state it.</summary>
    public const string Precision = "at most 10^18 (1,000,000,000,000,000,000) with at most 6 decimal places";

    private const string SqliteFormat = "000000000000000000000000.000000";

    /// <summary>A value without trailing zeros (1.500000 → 1.5), as it should print.</summary>
    public static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;

    /// <summary>Whether <paramref name="value"/> has at most <see cref="Scale"/> decimal places.</summary>
    public static bool HasScale(decimal value) => decimal.Round(value, Scale) == value;

    /// <summary>The invariant text of an exact figure, every digit kept: 1000000000000001368, 0.000001, 2.5.</summary>
    public static string Invariant(decimal value) => Normalize(value).ToString(CultureInfo.InvariantCulture);

    /// <summary>The text SQLite stores: fixed width, so that text order is numeric order.</summary>
    public static string ToSqlite(decimal value)
    {
        if (value < 0 || value >= 1_000_000_000_000_000_000_000_000m || value != decimal.Round(value, Scale))
            return value.ToString(SqliteFormat, CultureInfo.InvariantCulture);
        var micros = (UInt128)(value * 1_000_000m);
        return string.Create(31, micros, static (span, m) =>
        {
            for (var i = 30; i >= 0; i--)
            {
                if (i == 24) { span[i] = '.'; continue; }
                span[i] = (char)('0' + (int)(m % 10));
                m /= 10;
            }
        });
    }

    /// <summary>A value read from any database: a decimal, SQLite's text, or an integer or float literal of a query (0).</summary>
    public static decimal FromDb(object? value) => value switch
    {
        null or DBNull => 0m,
        decimal d => Normalize(d),
        string s => Normalize(decimal.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture)),
        long l => l,
        int i => i,
        double f => Normalize((decimal)f),
        _ => Normalize(Convert.ToDecimal(value, CultureInfo.InvariantCulture)),
    };

    /// <summary>A quantity as a command parameter: fixed-width text on SQLite, decimal(38,6) elsewhere.</summary>
    public static void Set(IDbDataParameter parameter, decimal value)
    {
        if (parameter is Microsoft.Data.Sqlite.SqliteParameter)
        {
            parameter.DbType = DbType.String;
            parameter.Value = ToSqlite(value);
            return;
        }
        parameter.DbType = DbType.Decimal;
        parameter.Precision = 38;
        parameter.Scale = Scale;
        parameter.Value = value;
    }

    /// <summary>
    /// Reads a JSON number's text exactly. Null when it is not a plain number; otherwise the value, or the reason it is
    /// out of <see cref="Precision"/> (never rounded: 0.0000001 and 10^18 + 0.5 are refused, not changed).
    /// </summary>
    public static (decimal Value, string? Error)? ParseExact(string text)
    {
        // The common case, plain digits with at most 19 before and 6 after a point, is exact in decimal as it stands.
        if (IsPlain(text) && decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var plain) && plain <= MaxValue)
            return (plain, null);
        var m = System.Text.RegularExpressions.Regex.Match(text, @"^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$");
        if (!m.Success) return null;
        var negative = m.Groups[1].Value == "-";
        var fraction = m.Groups[3].Value;
        var digits = (m.Groups[2].Value + fraction).TrimStart('0');
        if (digits.Length == 0) return (0m, null);
        if (negative) return (0m, "must not be negative.");
        long written = 0;
        if (m.Groups[4].Success && !long.TryParse(m.Groups[4].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out written))
            written = m.Groups[4].Value.StartsWith('-') ? long.MinValue / 2 : long.MaxValue / 2;
        var exponent = written - fraction.Length;
        var trimmed = digits.TrimEnd('0');
        exponent += digits.Length - trimmed.Length;
        digits = trimmed;
        if (exponent < -Scale) return (0m, $"has more than {Scale} decimal places; quantities are exact decimals {Precision} (nothing is rounded).");
        // digits × 10^exponent ≤ 10^18
        var integerDigits = digits.Length + exponent;
        if (integerDigits > 19 || (integerDigits == 19 && (digits != "1")))
            return (0m, $"is too large; quantities are exact decimals {Precision}.");
        var unscaled = BigInteger.Parse(digits, CultureInfo.InvariantCulture);
        var value = exponent >= 0
            ? (decimal)(unscaled * BigInteger.Pow(10, (int)exponent))
            : (decimal)unscaled / Pow10((int)-exponent);
        return (value, null);
    }

    private static bool IsPlain(string text)
    {
        if (text.Length is 0 or > 26) return false;
        int point = -1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.' && point < 0 && i > 0) point = i;
            else if (c is < '0' or > '9') return false;
        }
        return point < 0 ? text.Length <= 19 : point <= 19 && text.Length - point - 1 is >= 1 and <= Scale;
    }

    private static decimal Pow10(int n)
    {
        var p = 1m;
        for (var i = 0; i < n; i++) p *= 10;
        return p;
    }

    /// <summary>Dapper reads and writes every <see cref="decimal"/> through <see cref="FromDb"/> and <see cref="Set"/>.</summary>
    internal sealed class Handler : SqlMapper.TypeHandler<decimal>
    {
        public override void SetValue(IDbDataParameter parameter, decimal value) => Set(parameter, value);

        public override decimal Parse(object value) => FromDb(value);
    }

    internal sealed class NullableHandler : SqlMapper.TypeHandler<decimal?>
    {
        public override void SetValue(IDbDataParameter parameter, decimal? value)
        {
            if (value is { } v) Set(parameter, v);
            else parameter.Value = DBNull.Value;
        }

        public override decimal? Parse(object value) => value is null or DBNull ? null : FromDb(value);
    }
}
