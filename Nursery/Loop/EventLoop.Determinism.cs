using System.Globalization;
using System.Runtime.CompilerServices;

namespace Nursery;

public sealed partial class EventLoop
{
    /// <summary>Whether the loop runs on a <see cref="VirtualClock"/>, where resuming from another thread is worth noting.</summary>
    private readonly bool _onVirtualClock;

    /// <summary>Continuations that reached this loop from other threads while on a virtual clock. Interlocked.</summary>
    private long _crossThreadResumes;

    /// <summary>
    /// Set (once per run) by the first resumption from another thread under <see cref="LoopOptions.StrictDeterminism"/>;
    /// the loop throws it on its next turn. Written by any thread, read by the loop thread.
    /// </summary>
    private volatile LoopDeterminismException? _determinismViolation;

    /// <summary>
    /// How many times loop code resumed from another thread while this loop ran on a <see cref="VirtualClock"/>: an
    /// await whose task completed off the loop (a BCL call awaited with <c>ConfigureAwait(false)</c> somewhere below,
    /// <c>Task.Run</c>, a real-time timer), whose continuation came back through the loop's cross-thread inbox. Each
    /// one makes the run depend on real time: zero is what a deterministic test shows. Always zero on other clocks.
    /// Also counted by <c>nursery.loop.off_loop_resumes</c> in the <c>Nursery</c> meter. Any thread.
    /// </summary>
    public long CrossThreadResumes => Interlocked.Read(ref _crossThreadResumes);

    /// <summary>Whether a post from the current thread should be noted as a resumption from another thread.</summary>
    internal bool NotesCrossThreadResume => _onVirtualClock && t_current != this;

    /// <summary>
    /// Notes that <paramref name="context"/>'s code resumes from another thread; under strict determinism, the first
    /// one fails the run. Called on the posting thread.
    /// </summary>
    internal void NoteCrossThreadResume(LoopSynchronizationContext context, Delegate callback, object? state)
    {
        Interlocked.Increment(ref _crossThreadResumes);
        NurseryTelemetry.RecordOffLoopResume(this);
        if (!Options.StrictDeterminism || _determinismViolation is not null || !IsRunning) return;
        var child = context.Child;
        var cause = $"{DescribeResumption(callback, state)} completed on {DescribeThread(Thread.CurrentThread)}";
        var who = child is null ? "main (code of no child)" : $"child {child.Label}";
        var message =
            $"Strict determinism (LoopOptions.StrictDeterminism): {who} resumed from another thread: {cause}, and came back " +
            "through the loop's cross-thread inbox, so when it runs depends on real time, not on the VirtualClock, and the run " +
            "cannot be replayed. Keep the awaited work on the loop: take delays and timeouts from loop.TimeProvider, drop " +
            "ConfigureAwait(false) from loop code (and pass continueOnCapturedContext: true to libraries that take it), and " +
            "do not await Task.Run or real I/O in a virtual-time test." +
            (child?.SpawnSite is { } site ? $" The child was spawned at {site}." : "");
        Interlocked.CompareExchange(ref _determinismViolation, new LoopDeterminismException(message, child, cause), null);
        Wake();
    }

    /// <summary>Forgets a violation of the run that ended (the next run starts clean).</summary>
    private void ClearDeterminismViolation() => _determinismViolation = null;

    /// <summary>"an await in Type.Method" when the continuation is an async method's, else the callback's method.</summary>
    private static string DescribeResumption(Delegate callback, object? state)
    {
        // An await's continuation is posted as (a runtime helper, the state machine's MoveNext action).
        // The box is generic over the state machine (and, nested in a builder, over the result type first).
        if (state is Delegate { Target: { } box } && box.GetType() is { IsGenericType: true } boxType
            && Array.Find(boxType.GetGenericArguments(), t => typeof(IAsyncStateMachine).IsAssignableFrom(t)) is { } machine)
        {
            return $"an await in {AsyncMethodName(machine)}";
        }
        var method = (state as Delegate)?.Method ?? callback.Method;
        return $"a callback ({method.DeclaringType?.Name}.{method.Name})";
    }

    /// <summary>
    /// "Type.Method" from a compiler-generated state machine type such as <c>Worker+&lt;FetchAsync&gt;d__3</c>, or
    /// "a lambda in Type.Method" for one such as <c>Tests+&lt;&gt;c+&lt;&lt;Test&gt;b__3_0&gt;d</c>.
    /// </summary>
    private static string AsyncMethodName(Type machine)
    {
        var inner = Bracketed(machine.Name);                 // "FetchAsync", or "<Test>b__3_0" for a lambda
        var lambda = inner.StartsWith('<');
        var method = lambda ? Bracketed(inner) : inner;      // the method the lambda was written in
        if (method.StartsWith('<')) method = Bracketed(method); // "<Main>$": top-level statements
        var owner = machine.DeclaringType;
        // A lambda's state machine sits in a closure class: name the class the lambda was written in.
        while (owner is not null && owner.Name.StartsWith('<')) owner = owner.DeclaringType;
        var name = owner is null ? method : $"{owner.Name}.{method}";
        return lambda ? $"a lambda in {name}" : name;
    }

    /// <summary>What stands between a leading '&lt;' and its matching '&gt;' in a compiler-generated name.</summary>
    private static string Bracketed(string name)
    {
        var depth = 0;
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] == '<') depth++;
            else if (name[i] == '>' && --depth == 0) return name[1..i];
        }
        return name;
    }

    private static string DescribeThread(Thread thread) =>
        thread.IsThreadPoolThread
            ? string.Create(CultureInfo.InvariantCulture, $"thread-pool thread #{thread.ManagedThreadId}")
            : string.Create(CultureInfo.InvariantCulture, $"thread \"{thread.Name ?? "unnamed"}\" (#{thread.ManagedThreadId})");
}
