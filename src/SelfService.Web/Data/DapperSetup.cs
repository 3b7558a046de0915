using System.Data;
using Dapper;

namespace SelfService.Data;

internal static class DapperSetup
{
    private static int _done;

    /// <summary>Every time in the database is UTC; this makes the DateTimes read back say so.</summary>
    public static void Configure()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1) return;
        SqlMapper.AddTypeHandler(new UtcDateTimeHandler());
        SqlMapper.AddTypeHandler(new NullableUtcDateTimeHandler());
    }

    private sealed class UtcDateTimeHandler : SqlMapper.TypeHandler<DateTime>
    {
        public override void SetValue(IDbDataParameter parameter, DateTime value)
        {
            parameter.DbType = DbType.DateTime2;
            parameter.Value = DateTime.SpecifyKind(value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value, DateTimeKind.Unspecified);
        }

        public override DateTime Parse(object value) => value switch
        {
            DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc),
            string s => DateTime.SpecifyKind(DateTime.Parse(s, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc),
            _ => throw new DataException($"Cannot read {value.GetType()} as a DateTime."),
        };
    }

    private sealed class NullableUtcDateTimeHandler : SqlMapper.TypeHandler<DateTime?>
    {
        private static readonly UtcDateTimeHandler Inner = new();

        public override void SetValue(IDbDataParameter parameter, DateTime? value)
        {
            if (value is { } v) Inner.SetValue(parameter, v);
            else parameter.Value = DBNull.Value;
        }

        public override DateTime? Parse(object value) => value is null or DBNull ? null : Inner.Parse(value);
    }
}
