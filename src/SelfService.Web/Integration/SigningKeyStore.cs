using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using SelfService.Audit;
using SelfService.Data;

namespace SelfService.Integration;

public sealed record SigningKeyRow
{
    public long Id { get; init; }
    public required string Kid { get; init; }
    public required string Algorithm { get; init; }
    public required string PublicJwk { get; init; }
    public string ProtectedPrivateKey { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public DateTime? RetiredAt { get; init; }
    public DateTime? PublishUntil { get; init; }
}

/// <summary>
/// The ES256 keys that sign entitlement tokens, kept in the database with their private halves protected by
/// ASP.NET Core Data Protection. The newest key that is not retired signs. Rotating retires the others and keeps
/// their public halves published until the last token they signed has expired.
/// </summary>
public sealed class SigningKeyStore(Db db, TimeProvider clock, IDataProtectionProvider protection, AuditLog audit, IOptions<IntegrationOptions> options)
{
    private const string Purpose = "SelfService.Integration.SigningKey.v1";

    // A token signed by an instance that read the old key just before a rotation committed still verifies.
    private static readonly TimeSpan PublishMargin = TimeSpan.FromMinutes(1);

    private readonly IDataProtector _protector = protection.CreateProtector(Purpose);
    private readonly ConcurrentDictionary<string, ECDsa> _privateKeys = new();

    internal const string PublishedSql = """
        select Id, Kid, Algorithm, PublicJwk, CreatedAt, RetiredAt, PublishUntil
          from SigningKey
         where RetiredAt is null or PublishUntil > @now
         order by CreatedAt desc, Id desc
        """;

    /// <summary>Every key whose public half is published now, newest first.</summary>
    public async Task<IReadOnlyList<SigningKeyRow>> PublishedAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<SigningKeyRow>(new CommandDefinition(PublishedSql, new { now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct))).AsList();
    }

    /// <summary>The JWKS document's keys.</summary>
    public async Task<IReadOnlyList<EcPublicJwk>> JwksAsync(CancellationToken ct = default) =>
        (await PublishedAsync(ct)).Select(k => JsonSerializer.Deserialize<EcPublicJwk>(k.PublicJwk)!).ToList();

    internal const string PrivateKeySql = "select ProtectedPrivateKey from SigningKey where Kid = @kid and RetiredAt is null";

    /// <summary>The key that signs now, creating the first one when there is none.</summary>
    public async Task<(string Kid, ECDsa Key)> ActiveAsync(CancellationToken ct = default)
    {
        var active = (await PublishedAsync(ct)).FirstOrDefault(k => k.RetiredAt is null)
            ?? await CreateAsync(onlyIfOlderThan: null, ct);
        if (_privateKeys.TryGetValue(active.Kid, out var cached)) return (active.Kid, cached);

        await using var connection = await db.OpenAsync(ct);
        var protectedKey = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(PrivateKeySql, new { kid = active.Kid }, cancellationToken: ct));
        if (string.IsNullOrEmpty(protectedKey))
            return await ActiveAsync(ct); // retired between the two reads: take the new one
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(_protector.Unprotect(Convert.FromBase64String(protectedKey)), out _);
        return (active.Kid, _privateKeys.GetOrAdd(active.Kid, key));
    }

    /// <summary>Replaces the signing key now, whatever its age. Returns the new key's id.</summary>
    public async Task<string> RotateAsync(string actor, CancellationToken ct = default) =>
        (await CreateAsync(onlyIfOlderThan: null, ct, actor, force: true)).Kid;

    /// <summary>Replaces the signing key when it is older than the rotation period; true when it did.</summary>
    public async Task<bool> RotateIfDueAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var due = now.AddDays(-options.Value.SigningKeyRotationDays);
        var before = (await PublishedAsync(ct)).FirstOrDefault(k => k.RetiredAt is null);
        var after = await CreateAsync(onlyIfOlderThan: due, ct, "job:" + nameof(SigningKeyRotationJob));
        return before is not null && after.Kid != before.Kid;
    }

    internal const string ActiveSql = """
        select Id, Kid, Algorithm, PublicJwk, CreatedAt, RetiredAt, PublishUntil
          from SigningKey
         where RetiredAt is null
         order by CreatedAt desc, Id desc
        """;

    internal string ActiveForUpdateSql => db.Dialect.LockingRows(ActiveSql, "SigningKey");

    internal const string RetireSql = """
        update SigningKey
           set RetiredAt = @now, PublishUntil = @publishUntil, ProtectedPrivateKey = ''
         where RetiredAt is null and Id <> @id
        """;

    internal string InsertKeySql => db.Dialect.InsertReturningId("SigningKey", "Kid", "Algorithm", "PublicJwk", "ProtectedPrivateKey", "CreatedAt");

    /// <summary>
    /// In one write transaction: reads the active key (locked), and unless it is fine as it is, adds a new key and
    /// retires the others. Two instances doing this at once end with one new key.
    /// </summary>
    private async Task<SigningKeyRow> CreateAsync(DateTime? onlyIfOlderThan, CancellationToken ct, string actor = "system", bool force = false)
    {
        return await db.WriteAsync(async (c, tx) =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var current = (await c.QueryAsync<SigningKeyRow>(ActiveForUpdateSql, transaction: tx)).FirstOrDefault();
            if (current is not null && !force && (onlyIfOlderThan is null || current.CreatedAt > onlyIfOlderThan)) return current;

            using var key = Jws.NewKey();
            var jwk = Jws.PublicJwk(key);
            var row = new SigningKeyRow
            {
                Kid = jwk.Kid, Algorithm = Jws.Algorithm, PublicJwk = JsonSerializer.Serialize(jwk),
                ProtectedPrivateKey = Convert.ToBase64String(_protector.Protect(key.ExportPkcs8PrivateKey())), CreatedAt = now,
            };
            var id = await c.ExecuteScalarAsync<long>(InsertKeySql, row, tx);
            var publishUntil = now + options.Value.TokenLifetime + PublishMargin;
            var retired = await c.ExecuteAsync(RetireSql, new { now, publishUntil, id }, tx);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = actor, Kind = current is null ? AuditKinds.SigningKeyCreated : AuditKinds.SigningKeyRotated,
                Subject = $"signing key {jwk.Kid}", OldValue = current?.Kid, NewValue = jwk.Kid,
                Reason = current is null ? "First entitlement-token signing key"
                    : $"{retired} key(s) retired, published until {publishUntil:yyyy-MM-dd HH:mm} UTC",
            });
            return row with { Id = id };
        }, ct);
    }
}
