using Hangfire.Logging;
using HfLevel = Hangfire.Logging.LogLevel;
using MsLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace SelfService.Jobs;

/// <summary>
/// Hangfire keeps its log provider in a static. Its default points at the first host's logger factory, which
/// breaks every later host once that one is disposed (several hosts live in one test process). This provider
/// belongs to the process instead: warnings and errors to the console.
/// </summary>
internal sealed class HangfireLogging : ILogProvider
{
    public static readonly HangfireLogging Instance = new();

    private static readonly Lazy<ILoggerFactory> Factory = new(() =>
        LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(MsLogLevel.Warning)));

    public ILog GetLogger(string name) => new Forwarder(Factory.Value.CreateLogger(name));

    private sealed class Forwarder(ILogger logger) : ILog
    {
        public bool Log(HfLevel logLevel, Func<string> messageFunc, Exception? exception = null)
        {
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
