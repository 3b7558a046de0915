using System.Net;
using System.Text.Json;
using SelfService.Data;
using SelfService.Metering;
using SelfService.Tests.Infrastructure;
using SelfService.Tests.Metering;

namespace SelfService.Tests.Integration;

/// <summary>
/// Two instances of the app on one database, as behind a load balancer: each keeps accounts and rolled-up usage in
/// memory, and a check on one still reflects at once what was changed or reported through the other.
/// </summary>
public sealed class CheckFreshnessTests : IDisposable
{
    private readonly string _folder = TestDatabases.NewTempFolder();
    private readonly MeteringApp _writer;
    private readonly MeteringApp _reader;

    public CheckFreshnessTests()
    {
        _writer = new MeteringApp { Settings = { [DatabaseSettings.DataFolderSetting] = _folder } };
        _writer.Get<Db>(); // the first host migrates and seeds before the second starts
        _reader = new MeteringApp { Settings = { [DatabaseSettings.DataFolderSetting] = _folder } };
    }

    public void Dispose()
    {
        _reader.Dispose();
        _writer.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private static async Task<JsonElement> Check(HttpClient client, string customer, string feature) =>
        await (await client.GetAsync($"/api/v1/customers/{customer}/entitlements/{feature}")).JsonOf(HttpStatusCode.OK);

    [Fact]
    public async Task ACheckOnOneInstance_SeesAGrantMadeThroughTheOther_AtOnce_AndItsRevocation()
    {
        var reader = _reader.ApiClient();
        var writer = _writer.ApiClient();
        Assert.False((await Check(reader, "acme", "sso")).GetProperty("hasAccess").GetBoolean());
        Assert.Equal(40, (await Check(reader, "acme", "max-members")).GetProperty("limit").GetInt64());

        var grant = await (await writer.Send(HttpMethod.Post, "/api/v1/customers/acme/grants",
            """{"feature":"sso","value":true,"reason":"SSO pilot"}""")).JsonOf(HttpStatusCode.Created);
        await (await writer.Send(HttpMethod.Put, "/api/v1/customers/acme/subscription",
            """{"plan":"business","addOns":[{"code":"extra-seats","quantity":3}]}""")).JsonOf(HttpStatusCode.OK);

        Assert.True((await Check(reader, "acme", "sso")).GetProperty("hasAccess").GetBoolean());
        Assert.Equal(60, (await Check(reader, "acme", "max-members")).GetProperty("limit").GetInt64()); // 25 + 3 × 10 + 5

        await (await writer.Send(HttpMethod.Delete, $"/api/v1/customers/acme/grants/{grant.GetProperty("id").GetInt64()}")).JsonOf(HttpStatusCode.NoContent);
        var after = await Check(reader, "acme", "sso");
        Assert.False(after.GetProperty("hasAccess").GetBoolean());
        Assert.Equal("no-entitlement", after.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ACheckOnOneInstance_CountsUsageReportedToTheOther_BeforeAndAfterTheRollup_ToTheUnit()
    {
        var reader = _reader.ApiClient();
        var before = (await Check(reader, "acme", "api-calls")).GetProperty("usage").GetDouble();

        var now = _writer.Now;
        Assert.Equal(HttpStatusCode.OK, (await _writer.Post(
            MeteringApp.Event("f1", "acme", "api-calls", 1_200, now.AddMinutes(-3)),
            MeteringApp.Event("f2", "acme", "api-calls", 34, now.AddMinutes(-2)))).Status);
        Assert.Equal(before + 1_234, (await Check(reader, "acme", "api-calls")).GetProperty("usage").GetDouble());

        // The rollup folds them into hourly buckets and moves its watermark: counted once, not twice, not lost.
        _writer.Clock.Advance(TimeSpan.FromMinutes(5));
        await _writer.Get<UsageRollupJob>().Execute(CancellationToken.None);
        Assert.Equal(before + 1_234, (await Check(reader, "acme", "api-calls")).GetProperty("usage").GetDouble());

        Assert.Equal(HttpStatusCode.OK, (await _writer.Post(MeteringApp.Event("f3", "acme", "api-calls", 66, _writer.Now.AddMinutes(-1)))).Status);
        Assert.Equal(before + 1_300, (await Check(reader, "acme", "api-calls")).GetProperty("usage").GetDouble());
    }
}
