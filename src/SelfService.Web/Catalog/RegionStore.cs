using Dapper;
using SelfService.Audit;
using SelfService.Data;
using SelfService.Shared;

namespace SelfService.Catalog;

/// <summary>What an operator types for a region: its code, how it reads after "in", and its countries.</summary>
public sealed record RegionInput(string? Code, string? Name, string? Countries);

/// <summary>
/// The catalog's regions and embargo list. Every change is audited in its transaction, and the entitlement stamp moves
/// with the rows (migration 0024), so every check and token sees the change at commit.
/// </summary>
public sealed class RegionStore(Db db, AuditLog audit, TimeProvider clock)
{
    internal const string CatalogSql = """
        select Code, Name, Countries, CreatedAt from Region order by Code;
        select Country from EmbargoCountry order by Country;
        """;

    public async Task<RegionCatalog> CatalogAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        using var grid = await connection.QueryMultipleAsync(new CommandDefinition(CatalogSql, cancellationToken: ct));
        return new RegionCatalog(await grid.ReadAsync<Region>(), await grid.ReadAsync<string>());
    }

    internal const string RegionSql = "select Code, Name, Countries, CreatedAt from Region where Code = @code";
    internal const string InsertRegionSql = "insert into Region (Code, Name, Countries, CreatedAt) values (@Code, @Name, @Countries, @CreatedAt)";
    internal const string UpdateRegionSql = "update Region set Name = @Name, Countries = @Countries where Code = @Code";
    internal const string DeleteRegionSql = "delete from Region where Code = @code";

    /// <summary>The regions' rules stored anywhere, to find those that name a region (filtered here: one SQL text on every database).</summary>
    internal const string StoredRulesSql = """
        select Regions from PlanEntitlement where Regions is not null
        union all select Regions from AddOnEntitlement where Regions is not null
        union all select Regions from EntitlementGrant where Regions is not null and RevokedAt is null
        """;

    /// <summary>Creates a region (<paramref name="existing"/> null) or changes one's name and countries; the code is fixed.</summary>
    public Task<EditResult<string>> SaveRegionAsync(string? existing, RegionInput input, string actor, CancellationToken ct = default)
    {
        var errors = new InputErrors();
        var code = existing ?? input.Code?.Trim().ToUpperInvariant() ?? "";
        if (existing is null)
        {
            if (!RegionCatalog.CodePattern().IsMatch(code))
                errors[nameof(RegionInput.Code)] = "A region's code is 2 to 32 capital letters, digits or dashes, starting with a letter, such as EU or NORDICS.";
            else if (Countries.IsAssigned(code))
                errors[nameof(RegionInput.Code)] = $"{code} is the country code of {Countries.Name(code)}; a region needs a code no country has.";
        }
        var name = input.Name?.Trim() ?? "";
        if (name.Length == 0) errors[nameof(RegionInput.Name)] = "Give the region a name as it reads after \"in\", such as \"the EU\".";
        else if (name.Length > 200) errors[nameof(RegionInput.Name)] = "At most 200 characters.";
        var countries = ParseCountries(input.Countries, out var countryError);
        if (countryError is not null) errors[nameof(RegionInput.Countries)] = countryError;
        if (errors.Count > 0) return Task.FromResult(EditResult<string>.Failed(errors));

        return db.WriteAsync(async (c, tx) =>
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var before = await c.QuerySingleOrDefaultAsync<Region>(RegionSql, new { code }, tx);
            var region = new Region { Code = code, Name = name, Countries = string.Join(',', countries), CreatedAt = before?.CreatedAt ?? now };
            if (existing is null)
            {
                if (before is not null) return EditResult<string>.Failed(nameof(RegionInput.Code), $"A region with the code {code} exists already.");
                await c.ExecuteAsync(InsertRegionSql, region, tx);
                await audit.WriteAsync(c, tx, new AuditEntry { At = now, Actor = actor, Kind = AuditKinds.RegionCreated, Subject = $"region {code}", NewValue = Describe(region) });
                return EditResult<string>.Success($"Created the region {code}.");
            }
            if (before is null) return EditResult<string>.Failed(FormErrors.NotFoundField, "There is no such region.");
            if (before.Name == region.Name && before.Countries == region.Countries) return EditResult<string>.Success($"Nothing changed in {code}.");
            await c.ExecuteAsync(UpdateRegionSql, region, tx);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = actor, Kind = AuditKinds.RegionUpdated, Subject = $"region {code}", OldValue = Describe(before), NewValue = Describe(region),
            });
            return EditResult<string>.Success($"Saved the region {code}.");
        }, ct);
    }

    /// <summary>Deletes a region no plan, add-on or live grant names (a rule naming a missing region would cover nothing).</summary>
    public Task<EditResult<string>> DeleteRegionAsync(string code, string actor, CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            var before = await c.QuerySingleOrDefaultAsync<Region>(RegionSql, new { code }, tx);
            if (before is null) return EditResult<string>.Failed(FormErrors.NotFoundField, "There is no such region.");
            var rules = await c.QueryAsync<string>(StoredRulesSql, transaction: tx);
            var users = rules.Count(r => RegionRule.FromStored(r)?.Places.Contains(code) == true);
            if (users > 0)
                return EditResult<string>.Failed(nameof(RegionInput.Code),
                    $"{code} is named by {users} region rule{(users == 1 ? "" : "s")} of plans, add-ons or grants; change those first.");
            await c.ExecuteAsync(DeleteRegionSql, new { code }, tx);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = clock.GetUtcNow().UtcDateTime, Actor = actor, Kind = AuditKinds.RegionDeleted, Subject = $"region {code}", OldValue = Describe(before),
            });
            return EditResult<string>.Success($"Deleted the region {code}.");
        }, ct);

    internal const string EmbargoSql = "select Country from EmbargoCountry order by Country";
    internal const string AddEmbargoSql = "insert into EmbargoCountry (Country, AddedAt) values (@country, @now)";
    internal const string RemoveEmbargoSql = "delete from EmbargoCountry where Country = @country";

    /// <summary>Replaces the embargo list: countries where nothing is ever granted, whatever a rule says.</summary>
    public Task<EditResult<string>> SetEmbargoAsync(string? countries, string actor, CancellationToken ct = default)
    {
        var list = ParseCountries(countries, out var error, allowEmpty: true);
        if (error is not null) return Task.FromResult(EditResult<string>.Failed("Embargo", error));
        return db.WriteAsync(async (c, tx) =>
        {
            var before = (await c.QueryAsync<string>(EmbargoSql, transaction: tx)).ToList();
            var now = clock.GetUtcNow().UtcDateTime;
            var removed = before.Except(list).ToList();
            var added = list.Except(before).ToList();
            if (removed.Count == 0 && added.Count == 0) return EditResult<string>.Success("The embargo list is unchanged.");
            foreach (var country in removed) await c.ExecuteAsync(RemoveEmbargoSql, new { country }, tx);
            foreach (var country in added) await c.ExecuteAsync(AddEmbargoSql, new { country, now }, tx);
            await audit.WriteAsync(c, tx, new AuditEntry
            {
                At = now, Actor = actor, Kind = AuditKinds.EmbargoChanged, Subject = "embargo list",
                OldValue = before.Count == 0 ? "(none)" : string.Join(", ", before), NewValue = list.Count == 0 ? "(none)" : string.Join(", ", list),
            });
            return EditResult<string>.Success(list.Count == 0 ? "The embargo list is empty." : $"Saved the embargo list: {string.Join(", ", list)}.");
        }, ct);
    }

    /// <summary>Country codes separated by commas or spaces, any case: sorted and distinct, or an error naming each bad one.</summary>
    public static IReadOnlyList<string> ParseCountries(string? text, out string? error, bool allowEmpty = false)
    {
        var codes = new SortedSet<string>(StringComparer.Ordinal);
        var bad = new List<string>();
        foreach (var part in (text ?? "").Split([',', ' ', ';', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (Countries.Normalize(part, out var why) is { } code) codes.Add(code);
            else bad.Add(why!);
        }
        error = bad.Count > 0 ? string.Join(" ", bad)
            : codes.Count == 0 && !allowEmpty ? "Name at least one country code (ISO 3166-1 alpha-2), such as DE, FR."
            : null;
        return codes.ToList();
    }

    public static string Describe(Region r) => $"{r.Name}: {r.Countries.Replace(",", ", ")}";
}
