using Hangfire.Logging;
using HfLevel = Hangfire.Logging.LogLevel;
using MsLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace SelfService.Jobs;

/// <summary>
/// Hangfire keeps its log provider in a static, while each host has its own logger factory (several hosts live in one
/// test process, and one may be disposed while another runs). This provider sends Hangfire's events to the logger factory
/// of the newest host still running, so they follow the app's logging settings (<c>Logging:LogLevel:Hangfire</c>), and
/// to a console fallback (warnings and errors) when none is.
/// </summary>
internal sealed class HangfireLogging : ILogProvider
{
    public static readonly HangfireLogging Instance = new();

    private static readonly Lazy<ILoggerFactory> Fallback = new(() =>
        LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(MsLogLevel.Warning)));

    private static readonly List<ILoggerFactory> Hosts = [];

    /// <summary>Routes Hangfire's events to <paramref name="factory"/> until <paramref name="lifetime"/> stops.</summary>
    public static void Attach(ILoggerFactory factory, IHostApplicationLifetime lifetime)
    {
        lock (Hosts) Hosts.Add(factory);
        lifetime.ApplicationStopping.Register(() => { lock (Hosts) Hosts.Remove(factory); });
    }

    internal static ILogger Logger(string name)
    {
        ILoggerFactory factory;
        lock (Hosts) factory = Hosts.Count > 0 ? Hosts[^1] : Fallback.Value;
        try
        {
            return factory.CreateLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return Fallback.Value.CreateLogger(name);
        }
    }

    public ILog GetLogger(string name) => new Forwarder(name);

    private sealed class Forwarder(string name) : ILog
    {
        public bool Log(HfLevel logLevel, Func<string> messageFunc, Exception? exception = null)
        {
            var logger = Logger(name);
            var level = logLevel switch
            {
                HfLevel.Trace => MsLogLevel.Trace,
                HfLevel.Debug => MsLogLevel.Debug,
                HfLevel.Info => MsLogLevel.Information,
                HfLevel.Warn => MsLogLevel.Warning,
                HfLevel.Error => MsLogLevel.Error,
                _ => MsLogLevel.Critical,
            };
            if (messageFunc is null) return logger.IsEnabled(level);
            logger.Log(level, exception, "{Message}", messageFunc());
            return true;
        }
    }
}
