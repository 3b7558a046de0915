using System.Data;
using System.Data.Common;
using DbUp;
using DbUp.Builder;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;

namespace SelfService.Data;

public sealed class PostgreSqlDialect : OnConflictDialect
{
    public override DatabaseProvider Provider => DatabaseProvider.PostgreSql;

    public override string DayOf(string column) => $"date_trunc('day', {column}, 'UTC')";

    public override string LockingRows(string select, string table)
    {
        FromClause(select, table);
        return $"{select.TrimEnd()}\n   for update of {table}";
    }

    // One statement for every row: arrays of each column, unnested into rows (a row-by-row insert is ten times slower).
    public override async Task InsertManyAsync<T>(DbConnection connection, DbTransaction tx, string table, string[] columns, IReadOnlyList<T> rows)
    {
        if (rows.Count == 0) return;
        await using var command = new NpgsqlCommand(
            $"insert into {table} ({string.Join(", ", columns)}) select * from unnest({string.Join(", ", columns.Select((_, i) => $"@p{i}"))})",
            (NpgsqlConnection)connection, (NpgsqlTransaction)tx);
        for (var i = 0; i < columns.Length; i++)
        {
            var property = typeof(T).GetProperty(columns[i]) ?? throw new ArgumentException($"{typeof(T).Name} has no property {columns[i]}.", nameof(columns));
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var values = Array.CreateInstance(property.PropertyType, rows.Count);
            for (var r = 0; r < rows.Count; r++)
            {
                var value = property.GetValue(rows[r]);
                values.SetValue(value is DateTime d ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : value, r);
            }
            var parameter = new NpgsqlParameter($"p{i}", values);
            if (type == typeof(DateTime)) parameter.NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz;
            command.Parameters.Add(parameter);
        }
        await command.ExecuteNonQueryAsync();
    }

    public override DbTransaction BeginWriteTransaction(DbConnection connection) =>
        connection.BeginTransaction(IsolationLevel.ReadCommitted);

    public override DbConnection CreateConnection(string connectionString) => new NpgsqlConnection(connectionString);

    public override bool IsUniqueViolation(DbException e) => e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override TimeSpan RollupSafetyLag => TimeSpan.FromMinutes(1);

    public override string MigrationsFolder => "postgresql";

    public override UpgradeEngineBuilder Deploy(string connectionString)
    {
        EnsureDatabase.For.PostgresqlDatabase(connectionString);
        return DeployChanges.To.PostgresqlDatabase(connectionString);
    }

    public override void AfterMigrations(DbConnection connection) { }

    public override JobStorage CreateJobStorage(string connectionString)
    {
        var options = new PostgreSqlStorageOptions
        {
            PrepareSchemaIfNecessary = true,
            SchemaName = "hangfire",
            // LISTEN/NOTIFY: a job enqueued by any instance starts at once, not at the next poll.
            EnableLongPolling = true,
            QueuePollInterval = TimeSpan.FromSeconds(5),
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = TimeSpan.FromMinutes(5),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }
}
