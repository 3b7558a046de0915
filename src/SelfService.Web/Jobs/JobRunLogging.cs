using System.Diagnostics;
using Hangfire.Server;

namespace SelfService.Jobs;

/// <summary>One structured event per job run: which job, how long, and whether it succeeded (with the error when not).</summary>
internal sealed class JobRunLogging : IServerFilter
{
    /// <summary>One instance: Hangfire's filters are process-wide, and adding the same one again changes nothing.</summary>
    public static readonly JobRunLogging Instance = new();

    public void OnPerforming(PerformingContext context) => context.Items["started"] = Stopwatch.StartNew();

    public void OnPerformed(PerformedContext context)
    {
        var logger = HangfireLogging.Logger("SelfService.Jobs.JobRun");
        var job = context.BackgroundJob.Job?.Type.Name ?? "unknown";
        var elapsed = context.Items.TryGetValue("started", out var s) && s is Stopwatch watch ? watch.ElapsedMilliseconds : -1;
        if (context.Exception is { } error && !context.ExceptionHandled)
            logger.LogError(error, "Job {Job} ({JobId}) failed after {ElapsedMs} ms", job, context.BackgroundJob.Id, elapsed);
        else
            logger.LogInformation("Job {Job} ({JobId}) succeeded in {ElapsedMs} ms", job, context.BackgroundJob.Id, elapsed);
    }
}
