namespace SelfService.Events;

public static class EventsSetup
{
    /// <summary>The outbox writer every source of an outbound event calls in its own transaction.</summary>
    public static WebApplicationBuilder AddEvents(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<OutboundEvents>();
        return builder;
    }
}
