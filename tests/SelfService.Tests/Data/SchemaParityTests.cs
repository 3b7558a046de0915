using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using SelfService.Data;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Data;

/// <summary>Both schemas have the same tables with the same columns: SQLite as migrated, SQL Server as its scripts declare.</summary>
public sealed class SchemaParityTests
{
    [Fact]
    public void SqliteAndSqlServer_HaveTheSameTablesAndColumns()
    {
        var sqlite = SqliteSchema();
        var sqlServer = SqlServerSchema();

        Assert.Contains("Feature", sqlite.Keys);
        Assert.Equal(sqlite.Keys.Order(), sqlServer.Keys.Order());
        foreach (var table in sqlite.Keys)
            Assert.True(sqlite[table].SetEquals(sqlServer[table]),
                $"{table}: SQLite has [{string.Join(", ", sqlite[table].Order())}], SQL Server has [{string.Join(", ", sqlServer[table].Order())}]");
    }

    private static Dictionary<string, HashSet<string>> SqliteSchema()
    {
        var folder = TestDatabases.NewTempFolder();
        var settings = new DatabaseSettings(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(folder, "schema.db")};Pooling=False", null);
        new Migrations(settings, Microsoft.Extensions.Logging.Abstractions.NullLogger<Migrations>.Instance).Apply();
        using var connection = new SqliteConnection(settings.ConnectionString);
        var tables = connection.Query<string>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name <> 'SchemaVersions'");
        var schema = tables.ToDictionary(t => t, t => connection.Query<string>($"select name from pragma_table_info('{t}')").ToHashSet(StringComparer.OrdinalIgnoreCase));
        connection.Close();
        Directory.Delete(folder, true);
        return schema;
    }

    private static Dictionary<string, HashSet<string>> SqlServerSchema()
    {
        var schema = new Dictionary<string, HashSet<string>>();
        var folder = Path.Combine(SqlServerScriptTests.RepoRoot, "db", "sqlserver");
        foreach (var file in Directory.GetFiles(folder, "*.sql").Order())
        {
            var parser = new TSql170Parser(true);
            using var reader = new StringReader(File.ReadAllText(file));
            var fragment = parser.Parse(reader, out var errors);
            Assert.Empty(errors);
            var visitor = new SchemaVisitor(schema);
            fragment.Accept(visitor);
        }
        return schema;
    }

    private sealed class SchemaVisitor(Dictionary<string, HashSet<string>> schema) : TSqlFragmentVisitor
    {
        public override void Visit(CreateTableStatement node) =>
            schema[node.SchemaObjectName.BaseIdentifier.Value] = node.Definition.ColumnDefinitions
                .Select(c => c.ColumnIdentifier.Value).ToHashSet(StringComparer.OrdinalIgnoreCase);

        public override void Visit(AlterTableAddTableElementStatement node)
        {
            foreach (var c in node.Definition.ColumnDefinitions)
                schema[node.SchemaObjectName.BaseIdentifier.Value].Add(c.ColumnIdentifier.Value);
        }

        public override void Visit(DropTableStatement node)
        {
            foreach (var o in node.Objects) schema.Remove(o.BaseIdentifier.Value);
        }
    }
}
