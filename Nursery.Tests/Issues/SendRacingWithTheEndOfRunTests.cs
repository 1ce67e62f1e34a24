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
        using var loop = new EventLoop(new VirtualClock());
        Thread? sender = null;
        Exception? sendFailure = null;
        var callbackRan = false;

        Guard.Run(() => loop.Run(async () =>
        {
            var context = SynchronizationContext.Current!;
            sender = new Thread(() =>
            {
                try { context.Send(_ => callbackRan = true, null); }
                catch (Exception e) { sendFailure = e; }
            }) { IsBackground = true, Name = "sender" };
            sender.Start();
            // Block the loop thread (on purpose) until the sender waits inside Send, its work item in the inbox;
            // then main completes in this same turn and Run returns with that item still queued.
            Assert.True(SpinWait.SpinUntil(() => (sender.ThreadState & ThreadState.WaitSleepJoin) != 0, S(5)));
        }));

        Assert.True(sender!.Join(S(2)), "Send is still blocked after the loop stopped: it will never return");
        Assert.True(callbackRan || sendFailure is InvalidOperationException or ObjectDisposedException,
            $"Send returned without running its callback and without an exception ({sendFailure})");
    }
}
