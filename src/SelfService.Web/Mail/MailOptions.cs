using MimeKit;
using SelfService.Data;

namespace SelfService.Mail;

public enum SmtpSecurity { None, StartTls, Tls }

/// <summary>
/// Where mail goes: an SMTP server when <see cref="SmtpHost"/> is set, otherwise an <c>.eml</c> file per message
/// in <see cref="PickupFolder"/> (the embedded default: <c>mail/</c> beside the SQLite database).
/// </summary>
public sealed record MailSettings
{
    public const string Section = "SelfService:Mail";

    public string? SmtpHost { get; init; }
    public int SmtpPort { get; init; } = 25;
    public string? SmtpUser { get; init; }
    public string? SmtpPassword { get; init; }
    public SmtpSecurity SmtpSecurity { get; init; } = SmtpSecurity.StartTls;
    public required MailboxAddress From { get; init; }
    public required string PickupFolder { get; init; }

    /// <summary>Reads and checks <c>SelfService:Mail</c>; a bad value throws <see cref="ConfigurationProblem"/> naming it.</summary>
    public static MailSettings FromConfiguration(IConfiguration configuration, string contentRoot)
    {
        var section = configuration.GetSection(Section);
        var host = Blank(section["SmtpHost"]);

        var security = SmtpSecurity.StartTls;
        if (Blank(section["SmtpSecurity"]) is { } securityText)
        {
            security = securityText.ToLowerInvariant() switch
            {
                "none" => SmtpSecurity.None,
                "starttls" => SmtpSecurity.StartTls,
                "tls" => SmtpSecurity.Tls,
                _ => throw new ConfigurationProblem($"{Section}:SmtpSecurity", $"must be none, starttls or tls, not '{securityText}'."),
            };
        }

        var port = security switch { SmtpSecurity.None => 25, SmtpSecurity.StartTls => 587, _ => 465 };
        if (Blank(section["SmtpPort"]) is { } portText && (!int.TryParse(portText, out port) || port is < 1 or > 65535))
            throw new ConfigurationProblem($"{Section}:SmtpPort", $"must be a port number from 1 to 65535, not '{portText}'.");

        var fromText = Blank(section["From"]) ?? "SelfService <no-reply@selfservice.invalid>";
        if (!MailboxAddress.TryParse(fromText, out var from) || string.IsNullOrEmpty(from.Address) || !from.Address.Contains('@'))
            throw new ConfigurationProblem($"{Section}:From", $"is not a mail address like 'SelfService <no-reply@example.com>': '{fromText}'.");

        var user = Blank(section["SmtpUser"]);
        var password = Blank(section["SmtpPassword"]);
        if (user is not null && password is null)
            throw new ConfigurationProblem($"{Section}:SmtpPassword", "is required when SmtpUser is set.");

        var pickup = Blank(section["PickupFolder"]);
        if (pickup is null)
        {
            var database = DatabaseSettings.FromConfiguration(configuration, contentRoot);
            pickup = database.SqliteFile is { } file
                ? Path.Combine(Path.GetDirectoryName(file)!, "mail")
                : Path.Combine(contentRoot, "mail");
        }
        pickup = Path.GetFullPath(pickup, contentRoot);
        if (host is null)
        {
            try
            {
                Directory.CreateDirectory(pickup);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationProblem($"{Section}:PickupFolder", $"points at '{pickup}', which cannot be written: {e.Message}");
            }
        }

        return new MailSettings
        {
            SmtpHost = host, SmtpPort = port, SmtpUser = user, SmtpPassword = password, SmtpSecurity = security,
            From = from, PickupFolder = pickup,
        };
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>
/// The address people reach this app at (<c>SelfService:PublicUrl</c>), for the absolute links in mail. Required
/// outside Development; in Development it defaults to the address <c>dotnet run</c> listens on.
/// </summary>
public sealed record PublicUrl(Uri Base)
{
    public const string Setting = "SelfService:PublicUrl";
    public const string DevelopmentDefault = "http://127.0.0.1:5080/";

    public static PublicUrl FromConfiguration(IConfiguration configuration, IHostEnvironment environment)
    {
        var text = configuration[Setting];
        if (string.IsNullOrWhiteSpace(text))
        {
            if (!environment.IsDevelopment())
                throw new ConfigurationProblem(Setting, "is required outside Development: the address people open this app at, like https://portal.example.com/ (links in mail are built from it).");
            text = DevelopmentDefault;
        }
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
            throw new ConfigurationProblem(Setting, $"must be an absolute http or https address like https://portal.example.com/, not '{text}'.");
        if (uri.Scheme != "https" && !environment.IsDevelopment())
            throw new ConfigurationProblem(Setting, $"must be an https address outside Development, not '{text}': sign-in cookies are sent over https only. " +
                "Behind a proxy that terminates TLS, give the address people open (https://…) and let the proxy send X-Forwarded-Proto.");
        if (!uri.AbsolutePath.EndsWith('/')) uri = new Uri(uri.AbsoluteUri + "/");
        return new PublicUrl(uri);
    }

    /// <summary>An absolute link to <paramref name="path"/> (with or without a leading slash) under the public address.</summary>
    public string Link(string path) => new Uri(Base, path.TrimStart('/')).AbsoluteUri;
}
