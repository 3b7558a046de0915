using Hangfire;
using SelfService.Jobs;

namespace SelfService.Mail;

public static class MailSetup
{
    /// <summary>Outgoing mail: settings checked now (a bad one stops start-up naming it), delivery by Hangfire jobs.</summary>
    public static WebApplicationBuilder AddMail(this WebApplicationBuilder builder)
    {
        var settings = MailSettings.FromConfiguration(builder.Configuration, builder.Environment.ContentRootPath);
        var publicUrl = PublicUrl.FromConfiguration(builder.Configuration, builder.Environment);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(publicUrl);
        builder.Services.AddSingleton<Mailer>();
        builder.Services.AddSingleton<MailChoices>();
        builder.Services.AddSingleton<MailDelivery>();
        builder.Services.AddRecurringJob<MailDeliveryJob>(Cron.Minutely());
        return builder;
    }
}
