using System.Collections.Concurrent;

namespace SelfService.Identity;

/// <summary>
/// Slows password guessing: after <see cref="MaxFailures"/> failed sign-ins for one email, or five times
/// that from one address, within <see cref="Window"/>, further attempts are refused until the window passes.
/// </summary>
public sealed class SignInThrottle(TimeProvider clock)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<string, Failures> _failures = new();

    private sealed record Failures(DateTimeOffset WindowStart, int Count);

    /// <summary>How long the caller must wait, or null when an attempt is allowed now.</summary>
    public TimeSpan? RetryAfter(string email, string? address)
    {
        var now = clock.GetUtcNow();
        TimeSpan? wait = null;
        foreach (var (key, max) in Keys(email, address))
        {
            if (_failures.TryGetValue(key, out var f) && f.Count >= max && now - f.WindowStart < Window)
            {
                var left = Window - (now - f.WindowStart);
                wait = wait is null || left > wait ? left : wait;
            }
        }
        return wait;
    }

    public void Failed(string email, string? address)
    {
        var now = clock.GetUtcNow();
        foreach (var (key, _) in Keys(email, address))
            _failures.AddOrUpdate(key, _ => new Failures(now, 1),
                (_, f) => now - f.WindowStart >= Window ? new Failures(now, 1) : f with { Count = f.Count + 1 });
    }

    public void Succeeded(string email) => _failures.TryRemove("email:" + UserStore.Normalize(email), out _);

    private static IEnumerable<(string Key, int Max)> Keys(string email, string? address)
    {
        yield return ("email:" + UserStore.Normalize(email), MaxFailures);
        if (!string.IsNullOrEmpty(address)) yield return ("address:" + address, MaxFailures * 5);
    }
}
