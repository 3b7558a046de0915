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
        // Without these, Dapper sends DateTime parameters by its built-in map and never calls the handlers below.
        SqlMapper.RemoveTypeMap(typeof(DateTime));
        SqlMapper.RemoveTypeMap(typeof(DateTime?));
        SqlMapper.AddTypeHandler(new UtcDateTimeHandler());
        SqlMapper.AddTypeHandler(new NullableUtcDateTimeHandler());
        // Usage quantities: exact decimals, fixed-width text on SQLite (see Quantities).
        SqlMapper.RemoveTypeMap(typeof(decimal));
        SqlMapper.RemoveTypeMap(typeof(decimal?));
        SqlMapper.AddTypeHandler(new Quantities.Handler());
        SqlMapper.AddTypeHandler(new Quantities.NullableHandler());
    }

    /// <summary>
    /// A UTC instant as a parameter, to the microsecond: a datetime2 without zone on SQL Server and SQLite (whose columns hold UTC by
    /// convention), a timestamptz on PostgreSQL, which refuses an instant whose Kind is not Utc there.
    /// </summary>
    public static void Utc(IDbDataParameter parameter, DateTime value)
    {
        var utc = Microseconds(value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value);
        if (parameter is Npgsql.NpgsqlParameter postgres)
        {
            postgres.NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz;
            parameter.Value = DateTime.SpecifyKind(utc, DateTimeKind.Utc);
            return;
        }
        parameter.DbType = DbType.DateTime2;
        parameter.Value = DateTime.SpecifyKind(utc, DateTimeKind.Unspecified);
    }

    /// <summary>An instant cut to whole microseconds: what every database stores (PostgreSQL keeps no finer), so all agree.</summary>
    public static DateTime Microseconds(DateTime value) => new(value.Ticks - value.Ticks % 10, value.Kind);

    private sealed class UtcDateTimeHandler : SqlMapper.TypeHandler<DateTime>
    {
        public override void SetValue(IDbDataParameter parameter, DateTime value) => Utc(parameter, value);

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
            else
            {
                // Typed even when null, so that PostgreSQL can tell what "@p is null" compares.
                Utc(parameter, default);
                parameter.Value = DBNull.Value;
            }
        }

        public override DateTime? Parse(object value) => value is null or DBNull ? null : Inner.Parse(value);
    }
}

/// <summary>A UTC instant parameter that keeps its type when null, as an optional filter (<c>@p is null or ...</c>) needs on PostgreSQL.</summary>
internal sealed class UtcInstant(DateTime? value) : SqlMapper.ICustomQueryParameter
{
    public void AddParameter(IDbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        DapperSetup.Utc(parameter, value ?? default);
        if (value is null) parameter.Value = DBNull.Value;
        command.Parameters.Add(parameter);
    }
}
