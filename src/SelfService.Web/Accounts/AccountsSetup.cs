using SelfService.Identity;

namespace SelfService.Accounts;

public static class AccountsSetup
{
    /// <summary>People getting in by themselves: sessions in the database, throttled forms, invitations, teams, password resets.</summary>
    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<SessionStore>();
        builder.Services.AddSessionCookieCheck();
        builder.Services.AddSingleton<AttemptThrottle>();
        builder.Services.AddSingleton<Passwords>();
        builder.Services.AddSingleton<Team>();
        return builder;
    }
}
