using Dapper;
using SelfService.Data;
using SelfService.Mail;
using SelfService.Tests.Infrastructure;

namespace SelfService.Tests.Mail;

/// <summary>Mail goes through a real SMTP server on loopback; the test reads what arrived.</summary>
public sealed class MailDeliveryTests : IAsyncLifetime
{
    private readonly SmtpSink _smtp = new();
    private readonly AppFactory _app = new();

    public Task InitializeAsync()
    {
        _smtp.Configure(_app);
        _app.Settings["SelfService:PublicUrl"] = "https://portal.example.com/selfservice";
        _ = _app.Services;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _smtp.DisposeAsync();
    }

    private MailDraft Draft(string to) => MailDraft.Compose("test", to, "Ada Lovelace", "Your invitation",
        ["Grace invited you to Acme Corp.", "Prices < 5 & > 2 are <b>not</b> markup."],
        ("Accept the invitation", _app.Get<PublicUrl>().Link("/account/invitation/abc")));

    [Fact]
    public async Task MailQueuedInARolledBackChange_SendsNothing_ACommittedOne_ArrivesWithTextAndHtml()
    {
        var db = _app.Get<Db>();
        var mailer = _app.Get<Mailer>();
        await using (var c = await db.OpenAsync())
        await using (var tx = db.Dialect.BeginWriteTransaction(c))
        {
            await mailer.QueueAsync(c, tx, Draft("rolled-back@example.com"));
            await tx.RollbackAsync();
        }
        await mailer.WriteAsync<bool>(async (c, tx, batch) => { await batch.QueueAsync(c, tx, Draft("ada@example.com")); return true; });

        Assert.Equal(1, await _app.Get<MailDelivery>().DeliverDueAsync(CancellationToken.None));

        var message = await _smtp.WaitFor("ada@example.com");
        Assert.Empty(_smtp.To("rolled-back@example.com"));
        Assert.Equal("Your invitation", message.Subject);
        Assert.Equal("portal@vendor.example", message.From.Mailboxes.Single().Address);
        Assert.Contains("Accept the invitation: https://portal.example.com/selfservice/account/invitation/abc", message.TextBody);
        Assert.Contains("href=\"https://portal.example.com/selfservice/account/invitation/abc\"", message.HtmlBody);
        Assert.Contains("Prices &lt; 5 &amp; &gt; 2 are &lt;b&gt;not&lt;/b&gt; markup.", message.HtmlBody);
        Assert.Contains("Prices < 5 & > 2 are <b>not</b> markup.", message.TextBody);

        // Delivered once: a second run (another instance, a retry) sends nothing more.
        Assert.Equal(0, await _app.Get<MailDelivery>().DeliverDueAsync(CancellationToken.None));
        await Task.Delay(200);
        Assert.Single(_smtp.To("ada@example.com"));
    }

    [Fact]
    public async Task TwoDeliveriesOfOneMessageAtOnce_SendItOnce()
    {
        var mailer = _app.Get<Mailer>();
        var id = await mailer.WriteAsync(async (c, tx, batch) => { await batch.QueueAsync(c, tx, Draft("twice@example.com")); return batch.Ids[0]; });
        var delivery = _app.Get<MailDelivery>();

        await Task.WhenAll(delivery.DeliverAsync(id, CancellationToken.None), delivery.DeliverAsync(id, CancellationToken.None), delivery.DeliverDueAsync(CancellationToken.None));

        await _smtp.WaitFor("twice@example.com");
        await Task.Delay(300);
        Assert.Single(_smtp.To("twice@example.com"));
    }
}

public abstract class MailFailureTests : IDisposable
{
    private readonly AppFactory _app;

    protected MailFailureTests(TestDatabase database)
    {
        _app = new() { Database = database };
        // A port nothing listens on: every attempt fails to connect.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        _app.Settings["SelfService:Mail:SmtpHost"] = "127.0.0.1";
        _app.Settings["SelfService:Mail:SmtpPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _app.Settings["SelfService:Mail:SmtpSecurity"] = "none";
    }

    public void Dispose() => _app.Dispose();

    [SkippableFact]
    public async Task UnreachableSmtpServer_IsRetriedWithGrowingPauses_ThenMarkedFailedWithTheError()
    {
        var mailer = _app.Get<Mailer>();
        var id = await mailer.WriteAsync(async (c, tx, batch) =>
        {
            await batch.QueueAsync(c, tx, MailDraft.Compose("test", "x@example.com", null, "Hello", ["Hi."]));
            return batch.Ids[0];
        });
        var delivery = _app.Get<MailDelivery>();

        await Assert.ThrowsAnyAsync<Exception>(() => delivery.DeliverAsync(id, CancellationToken.None));
        var row = await Row(id);
        Assert.Equal(("Pending", 1), (row.Status, row.Attempts));
        Assert.False(string.IsNullOrEmpty(row.LastError));

        // Not due again until its pause has passed.
        Assert.Equal(0, await delivery.DeliverDueAsync(CancellationToken.None));
        Assert.Equal(1, (await Row(id)).Attempts);

        for (var attempt = 2; attempt <= MailDelivery.MaxAttempts; attempt++)
        {
            _app.Clock.Advance(TimeSpan.FromHours(2));
            await delivery.DeliverDueAsync(CancellationToken.None);
            Assert.Equal(attempt, (await Row(id)).Attempts);
        }
        Assert.Equal("Failed", (await Row(id)).Status);
    }

    private async Task<(string Status, int Attempts, string? LastError)> Row(long id)
    {
        await using var c = await _app.Get<Db>().OpenAsync();
        return await c.QuerySingleAsync<(string, int, string?)>("select Status, Attempts, LastError from OutgoingMail where Id = @id", new { id });
    }
}

public sealed class MailPickupFolderTests : IDisposable
{
    private readonly AppFactory _app = new();

    public void Dispose() => _app.Dispose();

    [SkippableFact]
    public async Task WithNoSmtpHost_EachMessageIsAnEmlFileInMailBesideTheDatabase()
    {
        var mailer = _app.Get<Mailer>();
        await mailer.WriteAsync<bool>(async (c, tx, batch) =>
        {
            await batch.QueueAsync(c, tx, MailDraft.Compose("welcome", "bob@example.com", "Bob", "Welcome", ["Hello Bob."], ("Open", "http://127.0.0.1:5080/")));
            return true;
        });

        await _app.Get<MailDelivery>().DeliverDueAsync(CancellationToken.None);

        var folder = Path.Combine(_app.DataFolder, "mail");
        var file = Assert.Single(Directory.GetFiles(folder, "*.eml"));
        Assert.EndsWith("-welcome.eml", file);
        var message = await MimeKit.MimeMessage.LoadAsync(file);
        Assert.Equal("bob@example.com", message.To.Mailboxes.Single().Address);
        Assert.Contains("Open: http://127.0.0.1:5080/", message.TextBody);
        Assert.Contains("<p>Hello Bob.</p>", message.HtmlBody);
    }
}

public sealed class SqliteMailFailureTests() : MailFailureTests(TestDatabase.Sqlite);

public sealed class PostgreSqlMailFailureTests() : MailFailureTests(TestDatabase.PostgreSql);

public sealed class SqlServerMailFailureTests() : MailFailureTests(TestDatabase.SqlServer);
