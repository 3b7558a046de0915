using Hangfire;
using SelfService.Data;
using SelfService.Jobs;

namespace SelfService.Requests;

public static class RequestsSetup
{
    /// <summary>Access requests and approvals: the store, submit, decide, cancel and expire, and the grant helpers. With its jobs: grant expiry and reminders, stale requests.</summary>
    public static WebApplicationBuilder AddRequests(this WebApplicationBuilder builder)
    {
        builder.AddCheckedOptions<RequestsOptions>(RequestsOptions.Section, RequestsOptions.Check);
        builder.Services.AddSingleton<RequestStore>();
        builder.Services.AddSingleton<RequestTransitions>();
        builder.Services.AddSingleton<RequestApproval>();
        builder.Services.AddSingleton<RequestSubmissions>();
        builder.Services.AddSingleton<RequestDecisions>();
        builder.Services.AddSingleton<RequestCancellations>();
        builder.Services.AddSingleton<RequestExpiry>();
        builder.Services.AddSingleton<TemporaryGrants>();
        builder.Services.AddRecurringJob<ExpireGrantsJob>("*/5 * * * *");
        builder.Services.AddRecurringJob<ExpireStaleRequestsJob>(Cron.Hourly());
        builder.Services.AddRecurringJob<GrantEndingReminderJob>(Cron.Hourly());
        return builder;
    }
}
