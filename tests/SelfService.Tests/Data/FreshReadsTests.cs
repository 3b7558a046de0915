using SelfService.Data;

namespace SelfService.Tests.Data;

/// <summary>
/// A shared read is joined only by callers that asked before it started: an answer is never older than its question,
/// so a write that finished before a caller asked is in the caller's answer, however many callers share reads.
/// </summary>
public sealed class FreshReadsTests
{
    [Fact]
    public async Task ACallerWhoAsksWhileAReadIsUnderWay_DoesNotJoinIt_ButTheNextReadIsShared()
    {
        var reads = new FreshReads<string, int>();
        var committed = 1; // what the "database" holds; a read sees what was committed when it started
        var readsStarted = 0;
        var gate = new TaskCompletionSource();
        async Task<int> Read(string _)
        {
            Interlocked.Increment(ref readsStarted);
            var seen = committed;
            await gate.Task;
            return seen;
        }

        var early = reads.GetAsync("acme", Read);   // reads 1 and waits at the gate
        committed = 2;                              // a write commits while that read is under way
        var late = reads.GetAsync("acme", Read);    // asked after the write: must not take the early read's 1
        var later = reads.GetAsync("acme", Read);   // asked after the late read started: shares it
        gate.SetResult();

        Assert.Equal(1, await early);
        Assert.Equal(2, await late);
        Assert.Equal(2, await later);
        Assert.Equal(2, readsStarted);
    }

    [Fact]
    public async Task AFinishedReadIsNeverReused_ForACallerWhoAsksAfterIt()
    {
        var reads = new FreshReads<string, int>();
        var committed = 1;
        var readsStarted = 0;
        Task<int> Read(string _)
        {
            readsStarted++;
            return Task.FromResult(committed);
        }

        Assert.Equal(1, await reads.GetAsync("acme", Read));
        committed = 2;
        Assert.Equal(2, await reads.GetAsync("acme", Read));
        Assert.Equal(2, readsStarted);
    }

    [Fact]
    public async Task AFailedRead_FailsItsCallers_AndTheNextCallerReadsAgain()
    {
        var reads = new FreshReads<string, int>();
        var fail = true;
        Task<int> Read(string _) => fail ? Task.FromException<int>(new TimeoutException("database busy")) : Task.FromResult(7);

        await Assert.ThrowsAsync<TimeoutException>(() => reads.GetAsync("acme", Read));
        fail = false;
        Assert.Equal(7, await reads.GetAsync("acme", Read));
    }

    [Fact]
    public async Task ACallerWhoGivesUp_StopsWaiting_WhileTheReadGoesOnForOthers()
    {
        var reads = new FreshReads<string, int>();
        var gate = new TaskCompletionSource<int>();
        using var cancel = new CancellationTokenSource();
        var leaving = reads.GetAsync("acme", _ => gate.Task, cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        gate.SetResult(3);
    }
}
