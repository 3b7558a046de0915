using System.Reflection;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using SelfService.Data;

namespace SelfService.Tests.Data;

/// <summary>Every T-SQL text the app can send is parsed by Microsoft's T-SQL parser and has zero errors.</summary>
public sealed class SqlServerScriptTests
{
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SelfService.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("SelfService.sln not found above the test folder.");
    }

    public static IList<ParseError> Parse(string sql)
    {
        var parser = new TSql170Parser(initialQuotedIdentifiers: true);
        using var reader = new StringReader(sql);
        parser.Parse(reader, out var errors);
        return errors;
    }

    private static string Describe(IList<ParseError> errors) => string.Join("; ", errors.Select(e => $"line {e.Line}: {e.Message}"));

    public static TheoryData<string> Scripts => new(Directory.GetFiles(Path.Combine(RepoRoot, "db", "sqlserver"), "*.sql").Select(Path.GetFileName)!);

    [Theory]
    [MemberData(nameof(Scripts))]
    public void MigrationScript_ParsesWithoutErrors(string script)
    {
        var errors = Parse(File.ReadAllText(Path.Combine(RepoRoot, "db", "sqlserver", script)));
        Assert.True(errors.Count == 0, Describe(errors));
    }

    [Fact]
    public void MigrationScripts_ExistForBothDatabases_WithTheSameNumbers()
    {
        string[] Names(string folder) => Directory.GetFiles(Path.Combine(RepoRoot, "db", folder), "*.sql").Select(Path.GetFileName).Order().ToArray()!;
        Assert.NotEmpty(Names("sqlserver"));
        Assert.Equal(Names("sqlite"), Names("sqlserver"));
    }

    [Fact]
    public void DialectStatements_ParseWithoutErrors()
    {
        var d = new SqlServerDialect();
        string[] statements =
        [
            d.InsertReturningId("Customer", "ExternalKey", "Name", "CreatedAt"),
            d.InsertIgnoringDuplicates("UsageEvent", ["CustomerId", "FeatureId", "EventId", "Quantity", "OccurredAt", "ReceivedAt"], ["CustomerId", "EventId"]),
            d.Upsert("UsageHourly", ["CustomerId", "FeatureId", "HourStart", "Total"], ["CustomerId", "FeatureId", "HourStart"], s => $"Total = t.Total + {s("Total")}"),
            $"select Id from Customer {d.Page("Name, Id")}",
            d.LockingRows("select Id from Subscription where Id = @id", "Subscription"),
            d.InsertIgnoringDuplicates("UsageEvent", ["CustomerId", "EventId", "Quantity"], ["CustomerId", "EventId"], textKeys: ["EventId"]),
            $"select Id from UsageEvent where {d.SameText("EventId", "@EventId")}",
            SqlDialect.InsertSql("UsageHourly", ["CustomerId", "FeatureId", "HourStart", "Total"]),
            $"select {d.DayOf("HourStart")} from UsageHourly",
        ];
        foreach (var sql in statements)
        {
            var errors = Parse(sql);
            Assert.True(errors.Count == 0, $"{sql}\n{Describe(errors)}");
        }
    }

    /// <summary>
    /// The statements the dialect builds, as SQL Server gets them: every string property named *Sql of every type of the
    /// app, read from an instance made without its constructor whose <see cref="Db"/> is on SQL Server (so such a
    /// property depends on nothing else). <see cref="EveryDialectBuiltStatement_IsAPropertyNamedSql"/> keeps them all here.
    /// </summary>
    [Fact]
    public void DialectBuiltStatements_ParseWithoutErrors()
    {
        var settings = new DatabaseSettings(DatabaseProvider.SqlServer, "Server=unused;Database=unused", null);
        var db = new Db(settings);
        var swept = 0;
        foreach (var type in typeof(Db).Assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && !t.ContainsGenericParameters))
        {
            var properties = type.GetProperties(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .Where(p => p.PropertyType == typeof(string) && p.Name.EndsWith("Sql", StringComparison.Ordinal) && p.GetIndexParameters().Length == 0 && p.GetMethod is not null)
                .ToList();
            if (properties.Count == 0) continue;
            object? instance = null;
            if (properties.Any(p => !p.GetMethod!.IsStatic))
            {
                instance = System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type);
                foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
                {
                    if (field.FieldType == typeof(Db)) field.SetValue(instance, db);
                    else if (field.FieldType == typeof(SqlDialect)) field.SetValue(instance, db.Dialect);
                    else if (field.FieldType == typeof(DatabaseSettings)) field.SetValue(instance, settings);
                }
            }
            foreach (var property in properties)
            {
                var sql = (string?)property.GetValue(property.GetMethod!.IsStatic ? null : instance);
                Assert.False(string.IsNullOrWhiteSpace(sql), $"{type.Name}.{property.Name} is empty when read without a constructor: make it an expression-bodied property (=>)");
                var errors = Parse(sql);
                Assert.True(errors.Count == 0, $"{type.Name}.{property.Name}: {Describe(errors)}\n{sql}");
                swept++;
            }
        }
        Assert.True(swept >= 40, $"only {swept} dialect-built statements found");
    }

    /// <summary>A statement built by the dialect inline, in a method or a field, would escape the sweep above: there are none.</summary>
    [Fact]
    public void EveryDialectBuiltStatement_IsAPropertyNamedSql()
    {
        var call = new System.Text.RegularExpressions.Regex(@"Dialect\.(InsertReturningId|InsertIgnoringDuplicates|Upsert|Page|DayOf|LockingRows|SameText)\(");
        var member = new System.Text.RegularExpressions.Regex(@"^    (?!//|\[|\{|\})\S");
        var property = new System.Text.RegularExpressions.Regex(@"\b\w+Sql\s*=>");
        var source = Path.Combine(RepoRoot, "src", "SelfService.Web");
        var outside = new List<string>();
        foreach (var file in Directory.GetFiles(source, "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}Data{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (!call.IsMatch(lines[i])) continue;
                var header = Enumerable.Range(0, i + 1).Reverse().Select(k => lines[k]).First(l => member.IsMatch(l));
                if (!property.IsMatch(header)) outside.Add($"{Path.GetRelativePath(source, file)}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(outside.Count == 0, "Dialect-built statements outside a property named *Sql (the parse test cannot see them):\n" + string.Join("\n", outside));
    }

    /// <summary>The shared statements (constants named *Sql) serve both databases, so they must parse as T-SQL too.</summary>
    [Fact]
    public void SharedStatements_ParseWithoutErrors()
    {
        var constants = typeof(Db).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name.EndsWith("Sql", StringComparison.Ordinal))
            .ToList();
        Assert.True(constants.Count >= 10, $"only {constants.Count} shared statements found");
        foreach (var field in constants)
        {
            var errors = Parse((string)field.GetRawConstantValue()!);
            Assert.True(errors.Count == 0, $"{field.DeclaringType!.Name}.{field.Name}: {Describe(errors)}");
        }
    }
}
