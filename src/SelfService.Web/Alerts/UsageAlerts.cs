using System.Data.Common;
using System.Globalization;
using Dapper;
using SelfService.Data;
using SelfService.Mail;
using SelfService.Metering;
using SelfService.Notifications;

namespace SelfService.Alerts;

/// <summary>
/// The usage alerts each customer user chose, judged from the usage the rollup's threshold check has just read, in the
/// rollup's transaction. Each fires once per user, feature, period and threshold (a <c>UsageAlert</c> row), so replayed
/// events and later rollups add nothing, and never for a period that is over. In the portal it is a notification for
/// that user; by mail it links to the usage page and carries the one-click unsubscribe of usage alerts.
/// People who chose nothing (and whose account set no default) get the vendor's alerts from <see cref="ThresholdMonitor"/>.
/// </summary>
public sealed class UsageAlerts(Db db, NotificationService notifications, Mailer mailer, MailChoices choices, PublicUrl publicUrl) : IUsageAlerts
{
    public const string NotificationKind = "usage-alert";
    public const string MailKind = "usage-alert";

    internal const string PreferencesSql = """
        select CustomerId, UserId, FeatureId, Thresholds, Channels
          from AlertPreference
         where CustomerId = @customerId
           and FeatureId = @featureId
        """;

    internal const string UsersSql = """
        select Id, Email, DisplayName
          from AppUser
         where CustomerId = @customerId
           and RemovedAt is null
         order by Id
        """;

    internal string InsertAlertSql => db.Dialect.InsertIgnoringDuplicates("UsageAlert",
        ["UserId", "FeatureId", "PeriodStart", "Threshold", "CreatedAt"], ["UserId", "FeatureId", "PeriodStart", "Threshold"]);

    public async Task CheckAsync(DbConnection c, DbTransaction tx, UsageReading r, DateTime now, CancellationToken ct)
    {
        if (r.Period.End <= now) return; // an alert about a period that is over helps nobody
        var preferences = (await c.QueryAsync<AlertPreference>(new CommandDefinition(PreferencesSql, new { customerId = r.CustomerId, featureId = r.Feature.Id }, tx, cancellationToken: ct))).AsList();
        if (preferences.Count == 0) return;
        var fallback = preferences.FirstOrDefault(p => p.UserId == AlertPreferences.AccountDefault);
        foreach (var user in await c.QueryAsync<(long Id, string Email, string DisplayName)>(new CommandDefinition(UsersSql, new { customerId = r.CustomerId }, tx, cancellationToken: ct)))
        {
            if ((preferences.FirstOrDefault(p => p.UserId == user.Id) ?? fallback) is not { } preference) continue;
            foreach (var threshold in preference.ThresholdList.Where(t => t.IsCrossed(r.Used, r.Cap)))
            {
                var inserted = await c.ExecuteAsync(new CommandDefinition(InsertAlertSql, new
                {
                    UserId = user.Id, FeatureId = r.Feature.Id, PeriodStart = r.Period.Start, Threshold = threshold.ToString(), CreatedAt = now,
                }, tx, cancellationToken: ct));
                if (inserted == 0) continue;
                var (title, body) = Message(r, threshold);
                var usagePath = $"/customers/{r.CustomerKey}/usage";
                if (preference.InPortal)
                    await notifications.NotifyAsync(c, tx, r.CustomerId, user.Id, NotificationKind, title, body, usagePath, now,
                        $"alert:{user.Id}:{r.Feature.Id}:{r.Period.Start:yyyyMMdd}:{threshold}");
                if (preference.ByEmail && await choices.WantsAsync(c, tx, user.Id, MailChoices.Usage))
                    await mailer.QueueAsync(c, tx, choices.WithUnsubscribe(MailDraft.Compose(MailKind, user.Email, user.DisplayName, title,
                        [$"Hello {user.DisplayName},", body, "You chose this alert on your notification settings page, where you can change it."],
                        ("See your usage", publicUrl.Link(usagePath)),
                        [$"Alert settings: {publicUrl.Link($"/customers/{r.CustomerKey}/notifications/settings")}"]), user.Id, MailChoices.Usage));
            }
        }
    }

    internal static (string Title, string Body) Message(UsageReading r, AlertThreshold threshold)
    {
        var inv = CultureInfo.InvariantCulture;
        var unit = string.IsNullOrEmpty(r.Feature.Unit) ? "" : " " + r.Feature.Unit;
        var title = threshold.IsPercent ? $"{r.Feature.Name}: {threshold.Value.ToString("0.##", inv)} % of your cap used"
            : $"{r.Feature.Name}: {threshold.Value.ToString("#,0.##", inv)}{unit} used";
        var span = $"{r.Period.Start.ToString("d MMM", inv)} – {r.Period.End.AddDays(-1).ToString("d MMM yyyy", inv)}";
        var share = r.Cap > 0 ? $" ({(r.Used * 100 / r.Cap).ToString("0", inv)} %)" : "";
        var consequence = r.HardCap ? "At the cap, further use is refused until the period ends." : "Use beyond the cap counts as overage.";
        return (title, $"{r.Used.ToString("#,0.##", inv)} of {r.Cap.ToString("#,0", inv)}{unit} used{share} in the period {span}. {consequence}");
    }
}
