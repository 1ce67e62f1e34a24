namespace Nursery.Tests.Issues;

/// <summary>
/// Found while writing the core suite: SynchronizationContext.Send from another thread that races with the end of
/// Run blocks the sender forever.
/// </summary>
/// <remarks>
/// Send checks IsRunning once, posts a work item and waits without a timeout. When main completes before that item
/// runs, Run returns and drops it (RunReady stops at main's completion; Drive's finally clears the ready queue and
/// the inbox), and an item posted after that sits in the inbox of a stopped loop. Either way nothing ever sets the
/// sender's event. The library's own rule (Send to a loop that is not running throws instead of waiting forever)
/// should also hold when the loop stops while the sender waits.
/// </remarks>
public class SendRacingWithTheEndOfRunTests
{
    [Fact]
    public void Send_FromAnotherThreadWhenMainCompletesFirst_DoesNotBlockTheSenderForever()
    {
        // Block the loop thread (on purpose) until the sender waits inside Send, its work item in the inbox;
        // then main completes in this same turn and Run returns with that item still queued.
        var (returned, callbackRan, sendFailure) = SendWhileMainEnds((_, sender) => (sender.ThreadState & ThreadState.WaitSleepJoin) != 0);

        Assert.True(returned, "Send is still blocked after the loop stopped: it will never return");
        Assert.True(callbackRan || sendFailure is InvalidOperationException or ObjectDisposedException,
            $"Send returned without running its callback and without an exception ({sendFailure})");
    }

    [Fact]
    public void Send_WhoseCallbackIsQueuedWhenMainCompletes_IsAbandonedWithAnExceptionSayingSo()
    {
        // As above, but the loop thread waits until the sender's work item is surely in the inbox: the run ends with
        // it queued, so the callback never runs and the sender learns it from the exception's message.
        var (returned, callbackRan, sendFailure) = SendWhileMainEnds((loop, _) => !loop.InboxIsEmpty);

        Assert.True(returned, "Send is still blocked after the loop stopped: it will never return");
        Assert.False(callbackRan);
        var e = Assert.IsType<InvalidOperationException>(sendFailure);
        Assert.Equal("The event loop stopped before it ran the callback passed to SynchronizationContext.Send.", e.Message);
    }

    /// <summary>
    /// Runs a main that starts a thread calling Send on main's context and ends, in the same turn, once
    /// <paramref name="senderWaits"/> holds; then gives the sender a few seconds to return.
    /// </summary>
    private static (bool Returned, bool CallbackRan, Exception? SendFailure) SendWhileMainEnds(Func<EventLoop, Thread, bool> senderWaits)
    {
        using var loop = new EventLoop(new VirtualClock());
        Thread? sender = null;
        Exception? sendFailure = null;
        var callbackRan = false;

        Guard.Run(() => loop.Run(async () =>
        {
            var context = SynchronizationContext.Current!;
            sender = new Thread(() => sendFailure = Record.Exception(() => context.Send(_ => callbackRan = true, null)))
            {
                IsBackground = true,
                Name = "sender",
            };
            sender.Start();
            Assert.True(SpinWait.SpinUntil(() => senderWaits(loop, sender), S(5)), "the sender never got to wait");
        }));

        var returned = sender!.Join(S(5));
        return (returned, callbackRan, sendFailure);
    }
}
