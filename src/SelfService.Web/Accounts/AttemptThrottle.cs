using Dapper;
using SelfService.Data;

namespace SelfService.Accounts;

/// <summary>The forms whose failures are counted: each has its own counters.</summary>
public static class ThrottledForms
{
    public const string SignIn = "sign-in";
    public const string ForgotPassword = "forgot-password";
    public const string Invitation = "invitation";

    /// <summary>Opening reset links: an unknown token counts as a failure.</summary>
    public const string ResetLink = "reset-link";
}

/// <summary>
/// Slows guessing without locking anyone out: failures are counted in the database (shared by every instance) per
/// (account, client address) and per client address across accounts. Past a few free failures each further one makes
/// that pair wait longer (1 s, 2 s, 4 s … up to 15 minutes); the owner at their own address is a different pair and is
/// not slowed by a stranger's failures. One address failing on many accounts is slowed as a whole.
/// </summary>
public sealed class AttemptThrottle(Db db, TimeProvider clock, ILogger<AttemptThrottle> logger)
{
    public const int FreeFailuresPerPair = 5;
    public const int FreeFailuresPerAddress = 50;
    public static readonly TimeSpan MaxPairDelay = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan MaxAddressDelay = TimeSpan.FromHours(1);

    /// <summary>Counters are forgotten after this long without a failure.</summary>
    public static readonly TimeSpan Forget = TimeSpan.FromHours(24);

    private sealed record Counter { public string CounterKey { get; init; } = ""; public int Failures { get; init; } public DateTime LastAt { get; init; } }

    internal const string CountersSql = """
        select CounterKey, Failures, LastAt
          from ThrottleCounter
         where Form = @form
           and CounterKey in (@pairKey, @addressKey)
        """;

    /// <summary>How long this (account, address) must wait before its next attempt, or null when it may try now.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(string form, string account, string? address, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var (pairKey, addressKey) = Keys(account, address);
        await using var c = await db.OpenAsync(ct);
        var counters = (await c.QueryAsync<Counter>(new CommandDefinition(CountersSql, new { form, pairKey, addressKey }, cancellationToken: ct))).ToList();
        TimeSpan? wait = null;
        foreach (var counter in counters)
        {
            if (now - counter.LastAt > Forget) continue;
            var delay = counter.CounterKey == pairKey
                ? Delay(counter.Failures, FreeFailuresPerPair, MaxPairDelay)
                : Delay(counter.Failures, FreeFailuresPerAddress, MaxAddressDelay);
            var left = counter.LastAt + delay - now;
            if (left > TimeSpan.Zero && (wait is null || left > wait)) wait = left;
        }
        return wait;
    }

    internal string CountFailureSql => db.Dialect.Upsert("ThrottleCounter", ["Form", "CounterKey", "Failures", "FirstAt", "LastAt"], ["Form", "CounterKey"],
        s => $"Failures = case when t.LastAt < @Stale then 1 else t.Failures + 1 end, FirstAt = case when t.LastAt < @Stale then {s("FirstAt")} else t.FirstAt end, LastAt = {s("LastAt")}");

    public async Task FailedAsync(string form, string account, string? address, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var (pairKey, addressKey) = Keys(account, address);
        var failures = await db.WriteAsync(async (c, tx) =>
        {
            foreach (var key in new[] { pairKey, addressKey })
                await c.ExecuteAsync(CountFailureSql, new { Form = form, CounterKey = key, Failures = 1, FirstAt = now, LastAt = now, Stale = now - Forget }, tx);
            return await c.ExecuteScalarAsync<int>("select Failures from ThrottleCounter where Form = @form and CounterKey = @pairKey", new { form, pairKey }, tx);
        }, ct);
        logger.LogWarning("Failed {Form} attempt for {Account} from {ClientAddress}: {Failures} in a row for this pair", form, account, address ?? "unknown", failures);
    }

    /// <summary>A success clears the pair's counter (not the address's: one good account does not excuse guessing at others).</summary>
    public async Task SucceededAsync(string form, string account, string? address, CancellationToken ct = default)
    {
        var (pairKey, _) = Keys(account, address);
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition("delete from ThrottleCounter where Form = @form and CounterKey = @pairKey", new { form, pairKey }, cancellationToken: ct));
    }

    /// <summary>Answers 429 with a Retry-After header: what a form shows when its sender must wait.</summary>
    public static void TooMany(HttpResponse response, TimeSpan wait)
    {
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string Describe(TimeSpan wait) =>
        wait.TotalSeconds < 90 ? $"{Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} seconds" : $"{(int)Math.Ceiling(wait.TotalMinutes)} minutes";

    private static TimeSpan Delay(int failures, int free, TimeSpan max) =>
        failures < free ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(max.TotalSeconds, Math.Pow(2, Math.Min(failures - free, 30))));

    private static (string Pair, string Address) Keys(string account, string? address)
    {
        var a = string.IsNullOrEmpty(address) ? "unknown" : address;
        return ($"pair:{account.Trim().ToLowerInvariant()}|{a}", $"address:{a}");
    }
}
