using SelfService.Data;

namespace SelfService.Requests;

public static class RequestsSetup
{
    /// <summary>Access requests and approvals: the store, the workflow service and the grant helpers. Jobs are listed in JobRegistry.</summary>
    public static WebApplicationBuilder AddRequests(this WebApplicationBuilder builder)
    {
        builder.AddCheckedOptions<RequestsOptions>(RequestsOptions.Section, RequestsOptions.Check);
        builder.Services.AddSingleton<RequestStore>();
        builder.Services.AddSingleton<RequestService>();
        builder.Services.AddSingleton<TemporaryGrants>();
        return builder;
    }
}
