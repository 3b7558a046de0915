using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using Npgsql;
using SelfService.Data;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Data;

/// <summary>
/// Every database has the same schema: the same tables, columns, named indexes (on the same key columns) and entitlement
/// stamp triggers, and usage event ids compared exactly. SQLite and PostgreSQL as migrated, SQL Server as its scripts declare.
/// </summary>
public sealed class SchemaParityTests
{
    [Fact]
    public void SqliteAndSqlServer_HaveTheSameTablesColumnsIndexesAndTriggers()
    {
        var sqlite = SqliteSchema();
        var sqlServer = SqlServerSchema();

        Assert.Contains("Feature", sqlite.Tables.Keys);
        Assert.True(sqlServer.ExactEventIds, "SQL Server's UsageEvent.EventId must have a binary collation and a key that tells trailing spaces apart (0009)");
        AssertSame(sqlite, "SQLite", sqlServer, "SQL Server");
    }

    [SkippableFact]
    public void PostgreSql_HasTheSameTablesColumnsIndexesAndTriggers_AsSqlite()
    {
        TestDatabases.Require(TestDatabase.PostgreSql);
        var sqlite = SqliteSchema();
        var postgreSql = PostgreSqlSchema();

        Assert.True(postgreSql.ExactEventIds, "PostgreSQL's UsageEvent.EventId must have the \"C\" collation (0009)");
        AssertSame(sqlite, "SQLite", postgreSql, "PostgreSQL");
    }

    private sealed record Schema(
        Dictionary<string, HashSet<string>> Tables,
        Dictionary<string, string> Indexes,
        HashSet<string> Triggers,
        bool ExactEventIds);

    private static Dictionary<string, HashSet<string>> NewTables() => new(StringComparer.OrdinalIgnoreCase);

    private static void AssertSame(Schema a, string aName, Schema b, string bName)
    {
        Assert.Equal(a.Tables.Keys.Select(k => k.ToLowerInvariant()).Order(), b.Tables.Keys.Select(k => k.ToLowerInvariant()).Order());
        foreach (var table in a.Tables.Keys)
            Assert.True(a.Tables[table].SetEquals(b.Tables[table]),
                $"{table}: {aName} has [{string.Join(", ", a.Tables[table].Order())}], {bName} has [{string.Join(", ", b.Tables[table].Order())}]");

        Assert.NotEmpty(a.Indexes);
        Assert.Equal(a.Indexes.OrderBy(i => i.Key).Select(i => $"{i.Key} {i.Value}"), b.Indexes.OrderBy(i => i.Key).Select(i => $"{i.Key} {i.Value}"));

        // Twelve tables move the entitlement stamp on insert, update and delete (0008; Region and EmbargoCountry, 0024;
        // ScheduledPlanChange, 0027); ApiKey moves the API-key stamp on update and delete (0028).
        Assert.Equal(38, a.Triggers.Count);
        Assert.Equal(a.Triggers.Order(), b.Triggers.Order());
    }

    /// <summary>An index as "name on table (key columns)", lower-cased: PostgreSQL folds unquoted names.</summary>
    private static KeyValuePair<string, string> Index(string name, string table, IEnumerable<string> columns) =>
        new(name.ToLowerInvariant(), $"on {table.ToLowerInvariant()} ({string.Join(", ", columns.Select(c => c.Trim().ToLowerInvariant()))})");

    private static Schema SqliteSchema()
    {
        var folder = TestDatabases.NewTempFolder();
        var settings = new DatabaseSettings(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(folder, "schema.db")};Pooling=False", null);
        new Migrations(settings, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrations>.Instance).Apply();
        using var connection = new SqliteConnection(settings.ConnectionString);
        var tables = NewTables();
        foreach (var t in connection.Query<string>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> 'SchemaVersions'"))
            tables[t] = connection.Query<string>($"select name from pragma_table_info('{t}')").ToHashSet(StringComparer.OrdinalIgnoreCase);
        var indexes = connection.Query<(string Name, string Table)>("select name, tbl_name from sqlite_master where type = 'index' and sql is not null")
            .Select(i => Index(i.Name, i.Table, connection.Query<string>($"select name from pragma_index_info('{i.Name}') order by seqno")))
            .ToDictionary();
        var triggers = connection.Query<string>("select sql from sqlite_master where type = 'trigger'")
            .Select(sql => System.Text.RegularExpressions.Regex.Match(sql, @"after (\w+)(?: of [\w, ]+)? on (\w+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            .Select(m => $"{m.Groups[2].Value.ToLowerInvariant()} {m.Groups[1].Value.ToLowerInvariant()}").ToHashSet();
        // BINARY, SQLite's default collation, compares byte by byte; a column declared otherwise would say so here.
        var eventIdSql = connection.ExecuteScalar<string>("select sql from sqlite_master where name = 'UsageEvent'")!;
        var exact = !eventIdSql.Contains("collate", StringComparison.OrdinalIgnoreCase);
        connection.Close();
        Directory.Delete(folder, true);
        return new Schema(tables, indexes, triggers, exact);
    }

    private static Schema PostgreSqlSchema()
    {
        var connectionString = TestDatabases.NewPostgreSqlDatabase();
        try
        {
            using var connection = new NpgsqlConnection(connectionString);
            var tables = NewTables();
            foreach (var column in connection.Query<(string Table, string Column)>("""
                         select table_name, column_name from information_schema.columns
                          where table_schema = 'public' and table_name <> 'schemaversions'
                         """))
            {
                if (!tables.TryGetValue(column.Table, out var columns)) tables[column.Table] = columns = new(StringComparer.OrdinalIgnoreCase);
                columns.Add(column.Column);
            }
            // Named indexes only (IX_, UX_): constraint-backed ones are named by each database its own way.
            var indexes = connection.Query<(string Name, string Table, string Definition)>("""
                    select indexname, tablename, indexdef from pg_indexes
                     where schemaname = 'public' and (indexname like 'ix\_%' or indexname like 'ux\_%')
                    """)
                .Select(i => Index(i.Name, i.Table, KeyColumns(i.Definition)))
                .ToDictionary();
            var triggers = connection.Query<(string Table, string Event)>(
                    "select event_object_table, event_manipulation from information_schema.triggers where trigger_schema = 'public'")
                .Select(t => $"{t.Table.ToLowerInvariant()} {t.Event.ToLowerInvariant()}").ToHashSet();
            var collation = connection.ExecuteScalar<string>(
                "select collation_name from information_schema.columns where table_name = 'usageevent' and column_name = 'eventid'");
            return new Schema(tables, indexes, triggers, collation == "C");
        }
        finally
        {
            TestDatabases.DropPostgreSqlDatabase(connectionString);
        }
    }

    // "CREATE INDEX ix ON public.t USING btree (a, b) INCLUDE (c) WHERE ..." → a, b
    private static IEnumerable<string> KeyColumns(string definition)
    {
        var open = definition.IndexOf('(');
        return definition[(open + 1)..definition.IndexOf(')', open)].Split(',');
    }

    private static Schema SqlServerSchema()
    {
        var tables = NewTables();
        var indexes = new Dictionary<string, string>();
        var triggers = new HashSet<string>();
        var visitor = new SchemaVisitor(tables, indexes, triggers);
        foreach (var file in Directory.GetFiles(Path.Combine(SqlServerScriptTests.RepoRoot, "db", "sqlserver"), "*.sql").Order())
        {
            var parser = new TSql170Parser(true);
            using var reader = new StringReader(File.ReadAllText(file));
            var fragment = parser.Parse(reader, out var errors);
            Assert.Empty(errors);
            fragment.Accept(visitor);
        }
        return new Schema(tables, indexes, triggers, visitor.BinaryEventIds && visitor.EventIdKeyHasLength);
    }

    private sealed class SchemaVisitor(Dictionary<string, HashSet<string>> tables, Dictionary<string, string> indexes, HashSet<string> triggers)
        : TSqlFragmentVisitor
    {
        public bool BinaryEventIds { get; private set; }

        public bool EventIdKeyHasLength { get; private set; }

        // A computed column is SQL Server's way to put an expression in a key (0009's EventIdBytes), not data: left out.
        public override void Visit(CreateTableStatement node) =>
            tables[node.SchemaObjectName.BaseIdentifier.Value] = node.Definition.ColumnDefinitions
                .Where(c => c.ComputedColumnExpression is null)
                .Select(c => c.ColumnIdentifier.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);

        public override void Visit(AlterTableAddTableElementStatement node)
        {
            var table = node.SchemaObjectName.BaseIdentifier.Value;
            foreach (var c in node.Definition.ColumnDefinitions.Where(c => c.ComputedColumnExpression is null))
                tables[table].Add(c.ColumnIdentifier.Value);
            foreach (var unique in node.Definition.TableConstraints.OfType<UniqueConstraintDefinition>())
                if (table == "UsageEvent" && unique.Columns.Any(c => c.Column.MultiPartIdentifier.Identifiers[^1].Value == "EventIdBytes"))
                    EventIdKeyHasLength = true;
        }

        public override void Visit(AlterTableAlterColumnStatement node)
        {
            if (node.SchemaObjectName.BaseIdentifier.Value == "UsageEvent" && node.ColumnIdentifier.Value == "EventId")
                BinaryEventIds = node.Collation?.Value.EndsWith("_BIN2", StringComparison.OrdinalIgnoreCase) == true;
        }

        public override void Visit(DropTableStatement node)
        {
            foreach (var o in node.Objects) tables.Remove(o.BaseIdentifier.Value);
        }

        public override void Visit(CreateIndexStatement node)
        {
            var (name, definition) = Index(node.Name.Value, node.OnName.BaseIdentifier.Value, node.Columns.Select(c => c.Column.MultiPartIdentifier.Identifiers[^1].Value));
            indexes[name] = definition;
        }

        public override void Visit(DropIndexStatement node)
        {
            foreach (var clause in node.DropIndexClauses.OfType<DropIndexClause>()) indexes.Remove(clause.Index.Value.ToLowerInvariant());
        }

        public override void Visit(CreateTriggerStatement node)
        {
            foreach (var action in node.TriggerActions)
                triggers.Add($"{node.TriggerObject.Name.BaseIdentifier.Value.ToLowerInvariant()} {action.TriggerActionType.ToString().ToLowerInvariant()}");
        }
    }
}
