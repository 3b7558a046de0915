using System.Diagnostics;
using System.Net;
using System.Text.Json;
using SelfService.Tests.Data;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Startup;

public abstract class HealthTests(AppFactory app)
{
    [SkippableTheory]
    [InlineData("/healthz")]
    [InlineData("/healthz/ready")]
    public async Task Ready_ReportsTheDatabaseAndTheJobServer_WithoutDisclosingData(string path)
    {
        var response = await app.CreateClient().GetAsync(path);

        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
        var database = json.RootElement.GetProperty("checks").GetProperty("database");
        Assert.Equal(app.Database.ToString(), database.GetProperty("data").GetProperty("provider").GetString());
        Assert.Equal("Healthy", json.RootElement.GetProperty("checks").GetProperty("jobs").GetProperty("status").GetString());
        Assert.DoesNotContain("customers", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"5\"", body);
    }

    [SkippableFact]
    public async Task Live_AnswersWithoutChecks()
    {
        var response = await app.CreateClient().GetAsync("/healthz/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
        Assert.Empty(json.RootElement.GetProperty("checks").EnumerateObject());
    }
}

/// <summary>Bad configuration stops the real program with one clear line naming the setting, and no stack trace.</summary>
public sealed class BadConfigurationTests
{
    internal static async Task<(int Code, string Output)> RunApp(params (string Key, string Value)[] environment)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "SelfService.Web.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestDatabases.NewTempFolder(),
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { process.Kill(true); throw; }
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task MalformedSqlServerConnectionString_StopsWithAMessageNamingTheSetting()
    {
        var (code, output) = await RunApp(("ConnectionStrings__SqlServer", "Server=;;Database"));
        Assert.Equal(1, code);
        Assert.StartsWith("Configuration error: ConnectionStrings:SqlServer is not a valid SQL Server connection string", output.Trim());
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task UnreachableSqlServer_StopsWithAMessageNamingTheSetting()
    {
        var (code, output) = await RunApp(("ConnectionStrings__SqlServer", "Server=tcp:127.0.0.1,1;Database=selfservice;Connect Timeout=3;Encrypt=False"));
        Assert.Equal(1, code);
        Assert.StartsWith("Configuration error: ConnectionStrings:SqlServer cannot reach SQL Server 'tcp:127.0.0.1,1'", output.Trim());
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task MalformedPostgreSqlConnectionString_StopsWithAMessageNamingTheSetting()
    {
        foreach (var (value, says) in new[]
                 {
                     ("Host=db;Port=notanumber;Database=x", "is not a valid PostgreSQL connection string"),
                     ("Hots=db;Database=x", "is not a valid PostgreSQL connection string"),
                     ("Database=selfservice", "names no server (Host=...)"),
                     ("Host=db.example", "names no database (Database=...)"),
                 })
        {
            var (code, output) = await RunApp(("ConnectionStrings__PostgreSql", value));
            Assert.Equal(1, code);
            Assert.StartsWith($"Configuration error: ConnectionStrings:PostgreSql {says}", output.Trim());
            Assert.DoesNotContain("   at ", output);
        }
    }

    [Fact]
    public async Task UnreachablePostgreSql_StopsWithAMessageNamingTheSetting()
    {
        var (code, output) = await RunApp(("ConnectionStrings__PostgreSql", "Host=127.0.0.1;Port=1;Database=selfservice;Username=selfservice;Password=x;Timeout=3"));
        Assert.Equal(1, code);
        Assert.StartsWith("Configuration error: ConnectionStrings:PostgreSql cannot reach PostgreSQL '127.0.0.1:1' (database 'selfservice', user 'selfservice')", output.Trim());
        Assert.Single(output.Trim().Split('\n'));
    }

    [SkippableFact]
    public async Task PostgreSqlUserWithoutRights_StopsWithAMessageNamingTheSetting_BeforeAnyMigration()
    {
        TestDatabases.Require(TestDatabase.PostgreSql);
        // tests/postgresql.sh makes selfservice_reader: it may sign in, and nothing more.
        var reader = new Npgsql.NpgsqlConnectionStringBuilder(TestDatabases.PostgreSqlBase) { Username = "selfservice_reader" };

        var (code, output) = await RunApp(("ConnectionStrings__PostgreSql", reader.ConnectionString));
        Assert.Equal(1, code);
        Assert.StartsWith("Configuration error: ConnectionStrings:PostgreSql names PostgreSQL", output.Trim());
        Assert.Contains("where the user may not create tables", output);
        Assert.DoesNotContain("   at ", output);

        reader.Database = $"selfservice_missing_{Guid.NewGuid():N}";
        (code, output) = await RunApp(("ConnectionStrings__PostgreSql", reader.ConnectionString));
        Assert.Equal(1, code);
        Assert.Contains("which does not exist, and the user may not create it (CREATEDB)", output);
        Assert.Single(output.Trim().Split('\n'));
    }

    [Fact]
    public async Task WorkerModeOnSqlite_StopsWithAMessageSayingItNeedsADatabaseServer()
    {
        var (code, output) = await RunApp(("SelfService__DataFolder", Path.Combine(TestDatabases.NewTempFolder(), "data")), ("SelfService__Mode", "Worker"));
        Assert.Equal(1, code);
        Assert.StartsWith("Configuration error: SelfService:Mode is Worker, which needs a shared database server", output.Trim());
        Assert.Single(output.Trim().Split('\n'));
    }

    [Fact]
    public async Task UnreadableKeyRingCertificate_StopsWithAMessageNamingTheSetting()
    {
        var folder = TestDatabases.NewTempFolder();
        var notAPfx = Path.Combine(folder, "key-ring.pfx");
        await File.WriteAllTextAsync(notAPfx, "not a certificate");
        foreach (var path in new[] { Path.Combine(folder, "missing.pfx"), notAPfx })
        {
            var (code, output) = await RunApp(("SelfService__DataFolder", Path.Combine(folder, "data")), ("SelfService__Integration__KeyRingCertificatePath", path));
            Assert.Equal(1, code);
            Assert.StartsWith($"Configuration error: SelfService:Integration:KeyRingCertificatePath cannot be read as a PFX file ({path})", output.Trim());
            Assert.DoesNotContain("   at ", output);
        }
    }

    [Fact]
    public async Task UnwritableDataFolder_StopsWithAMessageNamingTheSetting()
    {
        var file = Path.Combine(TestDatabases.NewTempFolder(), "a-file");
        await File.WriteAllTextAsync(file, "not a folder");
        var (code, output) = await RunApp(("SelfService__DataFolder", Path.Combine(file, "data")));
        Assert.Equal(1, code);
        Assert.StartsWith("Configuration error: SelfService:DataFolder points at", output.Trim());
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task MissingOrMalformedPublicUrlOutsideDevelopment_StopsWithAMessageNamingTheSetting()
    {
        var data = Path.Combine(TestDatabases.NewTempFolder(), "data");
        var (code, output) = await RunApp(("SelfService__DataFolder", data));
        Assert.Equal(1, code);
        Assert.StartsWith("Configuration error: SelfService:PublicUrl is required outside Development", output.Trim());
        Assert.DoesNotContain("   at ", output);

        (code, output) = await RunApp(("SelfService__DataFolder", data), ("SelfService__PublicUrl", "portal.example.com"));
        Assert.Equal(1, code);
        Assert.StartsWith("Configuration error: SelfService:PublicUrl must be an absolute http or https address", output.Trim());

        (code, output) = await RunApp(("SelfService__DataFolder", data), ("SelfService__PublicUrl", "https://portal.example.com/"), ("SelfService__Mail__SmtpSecurity", "ssl3"));
        Assert.Equal(1, code);
        Assert.StartsWith("Configuration error: SelfService:Mail:SmtpSecurity must be none, starttls or tls", output.Trim());
    }
}

public sealed class SqliteHealthTests(SqliteApp app) : HealthTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlHealthTests(PostgreSqlApp app) : HealthTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerHealthTests(SqlServerApp app) : HealthTests(app), IClassFixture<SqlServerApp>;
