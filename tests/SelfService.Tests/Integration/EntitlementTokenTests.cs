using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SelfService.Api;
using SelfService.Data;
using SelfService.Demo;
using SelfService.Integration;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Integration;

/// <summary>
/// Tokens are signed by the app's own ES256 code (System.Security.Cryptography) and verified here with
/// Microsoft.IdentityModel.JsonWebTokens against the published JWKS, as a vendor's app would.
/// </summary>
public static class TokenVerifier
{
    public static async Task<(string Token, string Kid)> Issue(HttpClient client, string customer)
    {
        var json = await (await client.PostAsync($"/api/v1/customers/{customer}/token", null)).JsonOf(HttpStatusCode.OK);
        return (json.GetProperty("token").GetString()!, json.GetProperty("kid").GetString()!);
    }

    public static async Task<JsonWebKeySet> Jwks(HttpClient client)
    {
        var response = await client.GetAsync(IntegrationEndpoints.JwksPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new JsonWebKeySet(await response.Content.ReadAsStringAsync());
    }

    public static Task<TokenValidationResult> Validate(string token, JsonWebKeySet jwks, DateTime now) =>
        new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "selfservice",
            ValidAudience = "selfservice-entitlements",
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            // The app runs on the tests' clock, not the machine's.
            LifetimeValidator = (notBefore, expires, _, _) => notBefore <= now && now < expires,
        });

    public static JsonElement Payload(string token) => JsonDocument.Parse(Base64Url.DecodeFromChars(token.Split('.')[1])).RootElement.Clone();
}

public abstract class EntitlementTokenTests(AppFactory app)
{
    [SkippableFact]
    public async Task Token_VerifiesAgainstThePublishedJwks_WithAnotherLibrary_AndCarriesEntitlementsAndUsage()
    {
        var client = await ApiTestClient.Reader(app);

        var (token, kid) = await TokenVerifier.Issue(client, "acme");
        var result = await TokenVerifier.Validate(token, await TokenVerifier.Jwks(app.CreateClient()), app.Now);

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(kid, ((JsonWebToken)result.SecurityToken).Kid);
        Assert.Equal("ES256", ((JsonWebToken)result.SecurityToken).Alg);
        var payload = TokenVerifier.Payload(token);
        Assert.Equal("acme", payload.GetProperty("sub").GetString());
        Assert.Equal(15 * 60, payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64());
        var calls = payload.GetProperty("entitlements").GetProperty("api-calls");
        Assert.Equal(100_000, calls.GetProperty("limit").GetInt64());
        Assert.Equal(86_000, calls.GetProperty("usage").GetDouble());
        Assert.Equal(40, payload.GetProperty("entitlements").GetProperty("max-members").GetProperty("limit").GetInt64());
    }

    [SkippableFact]
    public async Task TamperedToken_IsRejected()
    {
        var client = await ApiTestClient.Reader(app);
        var (token, _) = await TokenVerifier.Issue(client, "globex");
        var parts = token.Split('.');
        var payload = Base64Url.DecodeFromChars(parts[1]);
        var tampered = System.Text.Encoding.UTF8.GetString(payload).Replace("\"limit\":10000", "\"limit\":99999999", StringComparison.Ordinal);
        Assert.NotEqual(System.Text.Encoding.UTF8.GetString(payload), tampered);

        var forged = $"{parts[0]}.{Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(tampered))}.{parts[2]}";
        var result = await TokenVerifier.Validate(forged, await TokenVerifier.Jwks(app.CreateClient()), app.Now);

        Assert.False(result.IsValid);
        Assert.IsAssignableFrom<SecurityTokenInvalidSignatureException>(result.Exception);
    }

    [SkippableFact]
    public async Task TokenSignedByAnUnpublishedKey_IsRejected_EvenUnderAPublishedKid()
    {
        var client = await ApiTestClient.Reader(app);
        var (token, kid) = await TokenVerifier.Issue(client, "globex");
        var payload = TokenVerifier.Payload(token);
        using var stranger = Jws.NewKey();
        var jwks = await TokenVerifier.Jwks(app.CreateClient());

        var underPublishedKid = await TokenVerifier.Validate(Jws.Sign(payload, stranger, kid), jwks, app.Now);
        var underOwnKid = await TokenVerifier.Validate(Jws.Sign(payload, stranger, Jws.PublicJwk(stranger).Kid), jwks, app.Now);

        Assert.False(underPublishedKid.IsValid);
        Assert.False(underOwnKid.IsValid);
    }

    [SkippableFact]
    public async Task Jwks_IsPublic_AndHoldsOnlyPublicKeyHalves()
    {
        var response = await app.CreateClient().GetAsync(IntegrationEndpoints.JwksPath);

        var json = await response.JsonOf(HttpStatusCode.OK);
        var key = json.GetProperty("keys")[0];
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.Equal("P-256", key.GetProperty("crv").GetString());
        Assert.Equal("ES256", key.GetProperty("alg").GetString());
        Assert.False(key.TryGetProperty("d", out _));
        Assert.Contains("max-age", response.Headers.CacheControl?.ToString());
    }

    [SkippableFact]
    public async Task SigningKey_IsStoredProtected_NotAsARawPrivateKey()
    {
        await app.Get<SigningKeyStore>().ActiveAsync();
        await using var c = await app.Get<Db>().OpenAsync();
        var stored = await c.ExecuteScalarAsync<string>("select ProtectedPrivateKey from SigningKey where RetiredAt is null");

        using var key = ECDsa.Create();
        Assert.ThrowsAny<CryptographicException>(() => key.ImportPkcs8PrivateKey(Convert.FromBase64String(stored!), out _));
    }

    [SkippableFact]
    public async Task Token_ForAnUnknownCustomer_Is404()
    {
        var client = await ApiTestClient.Reader(app);

        await (await client.PostAsync("/api/v1/customers/nobody/token", null)).Problem(HttpStatusCode.NotFound, ApiProblems.NotFound);
    }
}

/// <summary>Key rotation on its own host, since it moves the clock.</summary>
public sealed class SigningKeyRotationTests : IDisposable
{
    private readonly AppFactory _app = new();

    [Fact]
    public async Task Rotation_KeepsThePreviousKeyPublishedUntilItsLastTokenExpires()
    {
        var client = await ApiTestClient.Reader(_app);
        var (first, oldKid) = await TokenVerifier.Issue(client, "acme");
        Assert.False(await _app.Get<SigningKeyStore>().RotateIfDueAsync()); // young keys stay

        _app.Clock.Advance(TimeSpan.FromDays(31));
        var (lastOfOld, kidOfLast) = await TokenVerifier.Issue(client, "acme");
        await _app.Get<SigningKeyRotationJob>().Execute(CancellationToken.None);
        var (fresh, newKid) = await TokenVerifier.Issue(client, "acme");

        Assert.Equal(oldKid, kidOfLast);
        Assert.NotEqual(oldKid, newKid);
        var during = await TokenVerifier.Jwks(_app.CreateClient());
        Assert.Equal(new[] { newKid, oldKid }, during.Keys.Select(k => k.Kid).ToArray());
        Assert.True((await TokenVerifier.Validate(lastOfOld, during, _app.Now)).IsValid);
        Assert.True((await TokenVerifier.Validate(fresh, during, _app.Now)).IsValid);

        _app.Clock.Advance(TimeSpan.FromMinutes(14));
        Assert.True((await TokenVerifier.Validate(lastOfOld, await TokenVerifier.Jwks(_app.CreateClient()), _app.Now)).IsValid);

        _app.Clock.Advance(TimeSpan.FromMinutes(3)); // the old key's last token has expired
        var after = await TokenVerifier.Jwks(_app.CreateClient());
        Assert.Equal(new[] { newKid }, after.Keys.Select(k => k.Kid).ToArray());
        Assert.False((await TokenVerifier.Validate(first, after, _app.Now)).IsValid);
    }

    [Fact]
    public async Task Rotation_IsAudited()
    {
        var kid = await _app.Get<SigningKeyStore>().RotateAsync(DemoUsers.Operator);

        await using var c = await _app.Get<Db>().OpenAsync();
        var kinds = (await c.QueryAsync<string>("select Kind from AuditEntry where Subject = @s", new { s = $"signing key {kid}" })).ToList();
        Assert.Single(kinds);
    }

    public void Dispose() => _app.Dispose();
}

/// <summary>Signing keys and the Data Protection key ring survive a restart of the app on the same data.</summary>
public sealed class SigningKeyPersistenceTests
{
    [Fact]
    public async Task AfterARestart_TheSameKeySigns_AndEarlierTokensStillVerify()
    {
        var folder = TestDatabases.NewTempFolder();
        try
        {
            string token, kid;
            using (var first = new AppFactory { Settings = { [DatabaseSettings.DataFolderSetting] = folder } })
            {
                (token, kid) = await TokenVerifier.Issue(await ApiTestClient.Reader(first), "acme");
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

            using var second = new AppFactory { Settings = { [DatabaseSettings.DataFolderSetting] = folder } };
            var (again, kidAgain) = await TokenVerifier.Issue(await ApiTestClient.Reader(second), "acme");
            var jwks = await TokenVerifier.Jwks(second.CreateClient());

            Assert.Equal(kid, kidAgain);
            await using (var c = await second.Get<Db>().OpenAsync())
                Assert.True(await c.ExecuteScalarAsync<long>("select count(*) from DataProtectionKey") > 0, "the key ring lives in the database");
            Assert.True((await TokenVerifier.Validate(token, jwks, second.Now)).IsValid);
            Assert.True((await TokenVerifier.Validate(again, jwks, second.Now)).IsValid);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>With a certificate configured, the key ring (and so the signing keys it protects) rests encrypted, and a restart reads it back.</summary>
public sealed class KeyRingCertificateTests
{
    [Fact]
    public async Task WithACertificate_TheKeyRingIsEncryptedAtRest_AndARestartStillSignsWithTheSameKey()
    {
        var folder = TestDatabases.NewTempFolder();
        try
        {
            var pfx = Path.Combine(folder, "key-ring.pfx");
            using (var rsa = System.Security.Cryptography.RSA.Create(2048))
            {
                var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=SelfService key ring", rsa,
                    System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
                using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
                await File.WriteAllBytesAsync(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "pfx-pass"));
            }
            var settings = new Dictionary<string, string?>
            {
                [DatabaseSettings.DataFolderSetting] = Path.Combine(folder, "data"),
                ["SelfService:Integration:KeyRingCertificatePath"] = pfx,
                ["SelfService:Integration:KeyRingCertificatePassword"] = "pfx-pass",
            };
            AppFactory App()
            {
                var app = new AppFactory();
                foreach (var (k, v) in settings) app.Settings[k] = v;
                return app;
            }

            string kid;
            using (var first = App())
            {
                (_, kid) = await TokenVerifier.Issue(await ApiTestClient.Reader(first), "acme");
                await using var c = await first.Get<Db>().OpenAsync();
                var ring = (await c.QueryAsync<string>("select Xml from DataProtectionKey")).ToList();
                Assert.NotEmpty(ring);
                Assert.All(ring, xml =>
                {
                    Assert.Contains("<encryptedSecret", xml);
                    Assert.DoesNotContain("unencrypted form", xml);
                });
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

            using var second = App();
            var (_, again) = await TokenVerifier.Issue(await ApiTestClient.Reader(second), "acme");
            Assert.Equal(kid, again);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}

public sealed class SqliteEntitlementTokenTests(SqliteApp app) : EntitlementTokenTests(app), IClassFixture<SqliteApp>;

public sealed class PostgreSqlEntitlementTokenTests(PostgreSqlApp app) : EntitlementTokenTests(app), IClassFixture<PostgreSqlApp>;

public sealed class SqlServerEntitlementTokenTests(SqlServerApp app) : EntitlementTokenTests(app), IClassFixture<SqlServerApp>;
