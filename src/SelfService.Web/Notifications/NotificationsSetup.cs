namespace SelfService.Notifications;

public static class NotificationsSetup
{
    /// <summary>The in-app notifications with their unread count, written in the transaction of what they announce.</summary>
    public static WebApplicationBuilder AddNotifications(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<NotificationService>();
        return builder;
    }
}
