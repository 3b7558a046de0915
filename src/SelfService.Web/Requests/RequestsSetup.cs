namespace SelfService.Requests;

public static class RequestsSetup
{
    /// <summary>Access requests and approvals: the store, the workflow service and the grant helpers. Jobs are listed in JobRegistry.</summary>
    public static WebApplicationBuilder AddRequests(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RequestsOptions>().BindConfiguration(RequestsOptions.Section)
            .Validate(o => o.StaleAfterDays >= 1 && o.MaxAccessDays >= 1 && o.ReminderDays >= 1, "SelfService:Requests: every number of days must be at least 1.")
            .ValidateOnStart();
        builder.Services.AddSingleton<RequestStore>();
        builder.Services.AddSingleton<RequestService>();
        builder.Services.AddSingleton<TemporaryGrants>();
        return builder;
    }
}
