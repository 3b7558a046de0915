using Microsoft.Data.Sqlite;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Startup;

/// <summary>
/// Every options class is checked before anything is migrated, seeded or served: each bad value stops the real program
/// with exit code 1 and one line naming the setting, and leaves no database behind.
/// </summary>
public sealed class SettingsTests
{
    [Theory]
    [InlineData("SelfService__Api__RatePermits", "0", "SelfService:Api:RatePermits must be at least 1, not 0.")]
    [InlineData("SelfService__Api__RatePermits", "lots", "SelfService:Api:RatePermits must be a whole number, not 'lots'.")]
    [InlineData("SelfService__Api__RateWindowSeconds", "0", "SelfService:Api:RateWindowSeconds must be from 1 to 86400, not 0.")]
    [InlineData("SelfService__Demo__ApiKey", "not-a-key", "SelfService:Demo:ApiKey must look like ss_{prefix}_{secret}")]
    [InlineData("SelfService__Demo__ApiKey", "ss_short_secret", "SelfService:Demo:ApiKey must look like ss_{prefix}_{secret}")]
    [InlineData("SelfService__Demo__HistoryMonths", "-1", "SelfService:Demo:HistoryMonths must be from 0 to 36, not -1.")]
    [InlineData("SelfService__Demo__Seed", "perhaps", "SelfService:Demo:Seed must be true or false, not 'perhaps'.")]
    [InlineData("SelfService__Integration__TokenLifetimeMinutes", "0", "SelfService:Integration:TokenLifetimeMinutes must be from 1 to 1440, not 0.")]
    [InlineData("SelfService__Integration__Issuer", " ", "SelfService:Integration:Issuer must not be empty.")]
    [InlineData("SelfService__Jobs__WorkerCount", "0", "SelfService:Jobs:WorkerCount must be from 1 to 100, not 0.")]
    [InlineData("SelfService__Jobs__Server", "perhaps", "SelfService:Jobs:Server must be true or false, not 'perhaps'.")]
    [InlineData("SelfService__Jobs__Schedules__NoSuchJob", "* * * * *", "SelfService:Jobs:Schedules:NoSuchJob names no job")]
    [InlineData("SelfService__Jobs__Schedules__UsageRollupJob", "often", "SelfService:Jobs:Schedules:UsageRollupJob must be a cron expression")]
    [InlineData("SelfService__Metering__LatenessWindow", "soon", "SelfService:Metering:LatenessWindow must be a time span")]
    [InlineData("SelfService__Metering__LatenessWindow", "-01:00:00", "SelfService:Metering:LatenessWindow must be a positive time span")]
    [InlineData("SelfService__Metering__Retention", "1.00:00:00", "SelfService:Metering:Retention must not be shorter than SelfService:Metering:LatenessWindow")]
    [InlineData("SelfService__Metering__Retention", "7.00:00:00", "SelfService:Metering:Retention must not be shorter than SelfService:Metering:LatenessWindow + SelfService:Metering:FutureTolerance + the rollup's safety lag (7.00:06:00), not 7.00:00:00")]
    [InlineData("SelfService__Metering__Thresholds__0", "0", "SelfService:Metering:Thresholds are percentages of a cap from 1 to 1000.")]
    [InlineData("SelfService__Metering__MaxEventsPerRequest", "0", "SelfService:Metering:MaxEventsPerRequest must be from 1 to 100000, not 0.")]
    [InlineData("SelfService__Requests__StaleAfterDays", "0", "SelfService:Requests:StaleAfterDays must be from 1 to 3650, not 0.")]
    [InlineData("SelfService__Webhooks__RetryFor", "00:00:00", "SelfService:Webhooks:RetryFor must be a positive time span")]
    [InlineData("SelfService__PublicUrl", "http://portal.example.com/", "SelfService:PublicUrl must be an https address outside Development", "Production")]
    public async Task BadSetting_StopsStartUpWithOneLineNamingIt_AndWritesNothing(string key, string value, string expected, string environment = "Development")
    {
        var data = Path.Combine(TestDatabases.NewTempFolder(), "data");
        var (code, output) = await BadConfigurationTests.RunApp(("ASPNETCORE_ENVIRONMENT", environment), ("SelfService__DataFolder", data), (key, value));

        Assert.Equal(1, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{output}");
        Assert.StartsWith("Configuration error: " + expected, lines[0]);
        Assert.False(File.Exists(Path.Combine(data, "selfservice.db")) && HasCustomers(Path.Combine(data, "selfservice.db")), "the demo was seeded before the setting was checked");
    }

    private static bool HasCustomers(string file)
    {
        using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "select count(*) from sqlite_master where name = 'Customer'";
        if ((long)command.ExecuteScalar()! == 0) return false;
        command.CommandText = "select count(*) from Customer";
        return (long)command.ExecuteScalar()! > 0;
    }
}
