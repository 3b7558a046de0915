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
        ];
        foreach (var sql in statements)
        {
            var errors = Parse(sql);
            Assert.True(errors.Count == 0, $"{sql}\n{Describe(errors)}");
        }
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
