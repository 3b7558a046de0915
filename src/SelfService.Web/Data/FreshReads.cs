using System.Collections.Concurrent;

namespace SelfService.Data;

/// <summary>
/// One database read shared by the callers that ask for the same thing at about the same moment, without ever giving
/// one of them an answer older than its question. Per key at most one read runs; a caller who asks while it runs does
/// not take its answer (the read started before the question, so it may miss a write the caller has just seen
/// committed) but waits for the next read, which starts when the running one ends and is shared by every caller who
/// asked meanwhile. Each statement reads a snapshot taken when it starts, on every database, so every answer holds
/// every write committed before its caller asked — read-your-writes as if each caller had read alone — while many
/// concurrent checks of one customer cost a few reads instead of one each.
/// </summary>
/// <remarks>
/// A read runs without any caller's cancellation (others may wait on it); a caller who gives up stops waiting. A
/// failed read fails the callers who waited for it; the callers queued behind it get a read of their own. A key holds
/// memory only while a read of it runs.
/// </remarks>
public sealed class FreshReads<TKey, TValue>(IEqualityComparer<TKey>? comparer = null) where TKey : notnull
{
    private sealed class Slot
    {
        public bool Running;
        public TaskCompletionSource<TValue>? Next;
        public bool Retired;
    }

    private readonly ConcurrentDictionary<TKey, Slot> _slots = new(comparer);

    /// <summary>The value of <paramref name="read"/> for <paramref name="key"/>, read after this call began.</summary>
    public Task<TValue> GetAsync(TKey key, Func<TKey, Task<TValue>> read, CancellationToken ct = default)
    {
        while (true)
        {
            var slot = _slots.GetOrAdd(key, _ => new Slot());
            TaskCompletionSource<TValue> answer;
            var start = false;
            lock (slot)
            {
                if (slot.Retired) continue;
                if (slot.Running)
                {
                    // Wait for the read after the running one: it starts after this question.
                    answer = slot.Next ??= new TaskCompletionSource<TValue>(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                else
                {
                    slot.Running = true;
                    answer = new TaskCompletionSource<TValue>(TaskCreationOptions.RunContinuationsAsynchronously);
                    start = true;
                }
            }
            if (start) _ = RunAsync(key, slot, read, answer);
            return ct.CanBeCanceled ? answer.Task.WaitAsync(ct) : answer.Task;
        }
    }

    private async Task RunAsync(TKey key, Slot slot, Func<TKey, Task<TValue>> read, TaskCompletionSource<TValue> answer)
    {
        while (true)
        {
            try
            {
                answer.SetResult(await read(key));
            }
            catch (Exception e)
            {
                answer.SetException(e);
                _ = answer.Task.Exception; // observed: no one may be waiting any more
            }
            lock (slot)
            {
                if (slot.Next is null)
                {
                    slot.Running = false;
                    slot.Retired = true;
                    _slots.TryRemove(new KeyValuePair<TKey, Slot>(key, slot));
                    return;
                }
                answer = slot.Next;
                slot.Next = null;
            }
        }
    }
}
