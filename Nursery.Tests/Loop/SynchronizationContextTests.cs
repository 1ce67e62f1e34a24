namespace Nursery.Tests.Loop;

/// <summary>The loop's SynchronizationContext: Post and Send from any thread land on the loop thread.</summary>
public class SynchronizationContextTests
{
    [Fact]
    public void Current_InsideMain_IsALoopContextThatPostsToTheLoop() => Virtual.Run(async loop =>
    {
        var context = SynchronizationContext.Current;
        Assert.NotNull(context);
        Assert.NotEqual(typeof(SynchronizationContext), context.GetType());
        var ran = new TaskCompletionSource<EventLoop?>();
        context.Post(_ => ran.SetResult(EventLoop.Current), null);
        Assert.False(ran.Task.IsCompleted); // Post never runs inline
        Assert.Same(loop, await ran.Task);
    });

    [Fact]
    public void Post_FromAnotherThreadToAnIdleLoop_WakesItAndRunsOnTheLoopThread() => Virtual.Run(async loop =>
    {
        var loopThread = Environment.CurrentManagedThreadId;
        var context = SynchronizationContext.Current!;
        var ranOn = new TaskCompletionSource<int>();
        // A plain thread, not an awaited pool task, so that nothing but the post can wake the blocked loop.
        var poster = new Thread(() =>
        {
            Thread.Sleep(20);
            context.Post(_ => ranOn.SetResult(Environment.CurrentManagedThreadId), null);
        }) { IsBackground = true };
        poster.Start();
        Assert.Equal(loopThread, await ranOn.Task);
    }, clock: new SystemClock());

    [Fact]
    public void Send_FromAnotherThread_RunsOnTheLoopThreadAndReturnsWhenDone() => Virtual.Run(async loop =>
    {
        var loopThread = Environment.CurrentManagedThreadId;
        var context = SynchronizationContext.Current!;
        var ranOn = 0;
        var seenAfterSend = await Task.Run(() =>
        {
            context.Send(_ => ranOn = Environment.CurrentManagedThreadId, null);
            return ranOn; // Send returned: the callback has run
        });
        Assert.Equal(loopThread, seenAfterSend);
    });

    [Fact]
    public void Send_FromAnotherThreadWhenTheCallbackThrows_RethrowsTheSameObjectToTheSender() => Virtual.Run(async loop =>
    {
        var context = SynchronizationContext.Current!;
        var boom = new Boom("send");
        var e = await Catch.OffLoopAsync(() => context.Send(_ => throw boom, null));
        Assert.Same(boom, e);
        await EventLoop.Yield(); // the loop itself is unharmed
        Assert.True(loop.IsRunning);
    });

    [Fact]
    public void Send_OnTheLoopThread_RunsInline() => Virtual.Run(async loop =>
    {
        var ran = false;
        SynchronizationContext.Current!.Send(_ => ran = true, null);
        Assert.True(ran);
    });

    [Fact]
    public void Send_ToALoopThatIsNotRunning_ThrowsInvalidOperationExceptionInsteadOfHanging() => Guard.Run(() =>
    {
        using var loop = new EventLoop(new VirtualClock());
        var context = loop.Run(async () => SynchronizationContext.Current!);
        var e = Assert.Throws<InvalidOperationException>(() => context.Send(_ => { }, null));
        Assert.Contains("not running", e.Message, StringComparison.Ordinal);
    });

    [Fact]
    public void PostAndSend_WithANullCallback_ThrowArgumentNullExceptionNamingIt() => Virtual.Run(async loop =>
    {
        var context = SynchronizationContext.Current!;
        Assert.Equal("d", Assert.Throws<ArgumentNullException>(() => context.Post(null!, null)).ParamName);
        Assert.Equal("d", Assert.Throws<ArgumentNullException>(() => context.Send(null!, null)).ParamName);
    });

    [Fact]
    public void Send_FromAnotherThreadWhileTheLoopIsBusyForAWhile_WaitsForTheCallbackInsteadOfGivingUp() => Virtual.Run(async loop =>
    {
        // Send looks now and then whether the loop has stopped (and gives up only then): a loop that is merely slow
        // to get to the callback must still run it, and Send must return normally.
        var context = SynchronizationContext.Current!;
        Exception? failure = null;
        var ran = false;
        var sender = new Thread(() => failure = Record.Exception(() => context.Send(_ => ran = true, null))) { IsBackground = true };
        sender.Start();
        Assert.True(SpinWait.SpinUntil(() => !loop.InboxIsEmpty, S(5)), "the sender's work item never reached the inbox");
        Thread.Sleep(250); // the loop thread is busy (on purpose) for several of Send's 50 ms stop checks
        // Now the loop takes in the item and runs it; keep the loop turning (not blocked in a Join) until Send returns.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (sender.IsAlive && waited.Elapsed < S(5)) await EventLoop.Yield();
        Assert.False(sender.IsAlive, "Send did not return after its callback ran");
        Assert.Null(failure);
        Assert.True(ran);
    });
}
