using System.Threading.Tasks.Sources;

namespace Nursery;

/// <summary>
/// Turns the continuation an awaiter hands to a checkpoint (<see cref="IValueTaskSource.OnCompleted"/>: a delegate and
/// its state) into a run-queue item, without allocating in the usual case.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Checkpoint"/>'s awaiter is the runtime's <see cref="System.Runtime.CompilerServices.ValueTaskAwaiter"/>,
/// which an async method's builder recognises: it hands the checkpoint one static delegate (run a state machine box)
/// with the awaiting method's box as state, instead of allocating a per-method <see cref="Action"/> and a
/// continuation object as it must for a custom awaiter. That delegate is found once, by a probe (the runtime does not
/// expose it), so the item can carry the box alone.
/// </para>
/// <para>
/// The box is also how a child avoids its body-completion continuation: when the box resumed here is the child's body
/// itself, the child checks right after the step whether the body has completed (see
/// <see cref="ChildTask.NoteAwaiting"/>).
/// </para>
/// </remarks>
internal static class CheckpointContinuation
{
    /// <summary>The runtime's "run the awaiting method's state machine box" continuation (state: the box).</summary>
    private static readonly Action<object?> s_runBox = BoxRunnerProbe.Find();

    /// <summary>Resumes an async method's box, and lets its child see the end of a body step.</summary>
    private static readonly SendOrPostCallback s_resumeBox = static box =>
    {
        // The loop runs the item under the context the code awaited in: its child, if the box is that child's body.
        if ((SynchronizationContext.Current as LoopSynchronizationContext)?.Child is { } child && child.IsParkedOn(box))
        {
            child.BeginBodyStep();
            s_runBox(box);
            child.EndBodyStep();
        }
        else
        {
            s_runBox(box);
        }
    };

    /// <summary>Runs any other continuation (state: an <see cref="Invocation"/>).</summary>
    private static readonly SendOrPostCallback s_invoke = static state => ((Invocation)state!).Run();

    /// <summary>
    /// The callback and state of the item that resumes the awaiting code, resuming under <paramref name="resumeIn"/>.
    /// On the loop thread, notes a child's body that parks on this checkpoint (<see cref="ChildTask.NoteAwaiting"/>).
    /// </summary>
    public static SendOrPostCallback Prepare(
        Action<object?> continuation, object? state, ValueTaskSourceOnCompletedFlags flags, LoopSynchronizationContext resumeIn, bool onLoop, out object? itemState)
    {
        itemState = PrepareState(continuation, state, flags, resumeIn, onLoop, out var resumesBox);
        return Callback(resumesBox);
    }

    /// <summary>
    /// The state of the item that resumes the awaiting code (never null), and in <paramref name="resumesBox"/> which of the
    /// two callbacks runs it (<see cref="Callback"/>): what a sleep keeps while it is pending, without the delegate.
    /// </summary>
    public static object PrepareState(
        Action<object?> continuation, object? state, ValueTaskSourceOnCompletedFlags flags, LoopSynchronizationContext resumeIn, bool onLoop, out bool resumesBox)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var context = (flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0 ? ExecutionContext.Capture() : null;
        if (context is null && state is not null && ReferenceEquals(continuation, s_runBox))
        {
            if (onLoop) resumeIn.Child?.NoteAwaiting(state);
            resumesBox = true;
            return state;
        }
        resumesBox = false;
        return new Invocation(continuation, state, context);
    }

    /// <summary>The run-queue callback for an item state made by <see cref="PrepareState"/>.</summary>
    public static SendOrPostCallback Callback(bool resumesBox) => resumesBox ? s_resumeBox : s_invoke;

    /// <summary>A continuation that is not a box (an awaiter's OnCompleted), with the ExecutionContext it flows in.</summary>
    private sealed class Invocation(Action<object?> continuation, object? state, ExecutionContext? context)
    {
        private static readonly ContextCallback s_run = static s => ((Invocation)s!).Invoke();

        public void Run()
        {
            if (context is null) Invoke();
            else ExecutionContext.Run(context, s_run, this);
        }

        private void Invoke() => continuation(state);
    }

    /// <summary>
    /// Finds <see cref="s_runBox"/>: an async method awaits a <see cref="ValueTask"/> backed by this probe, and the
    /// runtime hands over its box-running delegate. The probe never completes; its pending method is garbage.
    /// </summary>
    private sealed class BoxRunnerProbe : IValueTaskSource
    {
        private Action<object?>? _continuation;

        public static Action<object?> Find()
        {
            var probe = new BoxRunnerProbe();
            _ = AwaitAsync(new ValueTask(probe, 0));
            return probe._continuation ?? throw new InvalidOperationException("The runtime did not hand a continuation to a pending ValueTask.");
        }

        public ValueTaskSourceStatus GetStatus(short token) => ValueTaskSourceStatus.Pending;

        public void GetResult(short token)
        {
        }

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _continuation = continuation;

        private static async Task AwaitAsync(ValueTask pending) => await pending;
    }
}
