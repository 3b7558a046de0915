using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SelfService.Data;

namespace SelfService.Tests.Infrastructure;

/// <summary>
/// The whole app on a fresh database of its own — an embedded SQLite file, or a new PostgreSQL or SQL Server database
/// (<see cref="Database"/>) — seeded with the demo, with a clock the tests move. One per test; nothing is shared
/// between factories, and the database goes when the factory is disposed.
/// </summary>
public class AppFactory : WebApplicationFactory<Program>
{
    static AppFactory()
    {
        // A host watches files with one inotify instance per watcher (its settings files; wwwroot, for the version
        // stamps on stylesheet and script links); a suite keeps dozens of hosts alive at once, and several suites on one
        // machine share the user's 128 instances. Test hosts never reload their settings and poll the files they watch.
        foreach (var (name, value) in NoFileWatchers) Environment.SetEnvironmentVariable(name, value);
    }

    /// <summary>The environment that keeps a host off inotify: no settings reload, polling file watchers.</summary>
    public static readonly IReadOnlyDictionary<string, string> NoFileWatchers = new Dictionary<string, string>
    {
        ["DOTNET_hostBuilder__reloadConfigOnChange"] = "false",
        ["DOTNET_USE_POLLING_FILE_WATCHER"] = "true",
    };

    /// <summary>The instant the demo is seeded at; chosen mid-period for most demo customers.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 20, 10, 30, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    public string DataFolder { get; } = TestDatabases.NewTempFolder();

    /// <summary>Which database the app runs on; set before the first use. An unreachable server skips the test at that use.</summary>
    public TestDatabase Database
    {
        get => _database;
        init => _database = value;
    }

    private readonly TestDatabase _database = TestDatabase.Sqlite;

    /// <summary>The server database's connection string, made at the first use (null on SQLite).</summary>
    public string? ConnectionString { get; private set; }

    /// <summary>Set before the first use to run on this SQL Server database instead.</summary>
    public string? SqlServerConnectionString
    {
        get => _database == TestDatabase.SqlServer ? ConnectionString : null;
        init
        {
            _database = TestDatabase.SqlServer;
            ConnectionString = value;
        }
    }

    /// <summary>
    /// Another app whose database this one uses too (a second instance, a restart): it must have started, and it keeps
    /// the database; this app neither seeds nor drops it.
    /// </summary>
    public AppFactory? SharingDatabaseOf
    {
        get => _sharing;
        init
        {
            _sharing = value;
            if (value is null) return;
            _database = value.Database;
            ConnectionString = value.ConnectionString;
        }
    }

    private readonly AppFactory? _sharing;

    public Dictionary<string, string?> Settings { get; } = new();

    /// <summary>The hosting environment; outside Development the app needs https, so clients should use <see cref="HttpsClient"/>.</summary>
    public string EnvironmentName { get; init; } = "Development";

    /// <summary>A client on https://localhost (the Secure-only cookies of Production need it), following no redirects.</summary>
    public HttpClient HttpsClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = true });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // At the first use, in the test's own call (not while a class fixture is made): xunit reports a skip, not a failure.
        TestDatabases.Require(_database);
        builder.UseEnvironment(EnvironmentName);
        if (EnvironmentName != "Development") builder.UseSetting("SelfService:PublicUrl", "https://localhost/");
        builder.UseSetting(DatabaseSettings.DataFolderSetting, _sharing?.DataFolder ?? DataFolder);
        // Mail's pickup folder is beside the SQLite file by default; on a server database it would be the content root (here the source tree).
        if (_database != TestDatabase.Sqlite) builder.UseSetting("SelfService:Mail:PickupFolder", Path.Combine(_sharing?.DataFolder ?? DataFolder, "mail"));
        // Shielded from the environment: only the database chosen here is set.
        builder.UseSetting(DatabaseSettings.SqlServerSetting, "");
        builder.UseSetting(DatabaseSettings.PostgreSqlSetting, "");
        switch (_database)
        {
            case TestDatabase.PostgreSql:
                ConnectionString ??= TestDatabases.NewPostgreSqlDatabase();
                builder.UseSetting(DatabaseSettings.PostgreSqlSetting, ConnectionString);
                break;
            case TestDatabase.SqlServer:
                ConnectionString ??= TestDatabases.NewSqlServerDatabase();
                builder.UseSetting(DatabaseSettings.SqlServerSetting, ConnectionString);
                break;
        }
        if (_database != TestDatabase.Sqlite) builder.UseSetting("SelfService:Demo:Seed", "true");
        // Tests run jobs themselves, on the test clock; a job server would run them on its own schedule.
        builder.UseSetting("SelfService:Jobs:Server", "false");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public DateTime Now => Clock.GetUtcNow().UtcDateTime;

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataFolder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        if (ConnectionString is null || _sharing is not null || !TestDatabases.IsReachable(_database)) return;
        if (_database == TestDatabase.PostgreSql) TestDatabases.DropPostgreSqlDatabase(ConnectionString);
        else TestDatabases.DropSqlServerDatabase(ConnectionString);
    }
}

/// <summary>The app as a vendor deploys it: Production, reached over https.</summary>
public sealed class ProductionAppFactory : AppFactory
{
    public ProductionAppFactory() => EnvironmentName = "Production";
}
