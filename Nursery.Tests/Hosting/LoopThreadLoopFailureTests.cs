namespace Nursery.Tests.Hosting;

/// <summary>
/// What the documentation says about a <see cref="LoopThread"/> whose loop itself fails (issue 13, documentation
/// gaps): an exception that escapes an <c>async void</c> method or a <c>TimeProvider</c> timer callback on the loop
/// ends its Run, which ends the host; and <see cref="LoopThread.StopTimeout"/> cannot stop work that blocks the loop
/// thread.
/// </summary>
public class LoopThreadLoopFailureTests
{
    [Fact]
    public void AsyncVoidMethodThrowing_OnTheLoop_StopsTheHostAndWaitForStopReportsIt() => Guard.Run(() =>
    {
        var host = new LoopThread();
        var boom = new Boom("async void");
        using var started = new ManualResetEventSlim();
        var bystander = host.Submit(async ct =>
        {
            started.Set();
            await EventLoop.Sleep(TimeSpan.FromHours(1), ct);
        });
        Assert.True(started.Wait(Blocking.Patience));

        var fired = host.Submit(async ct => FireAndForget(boom));

        Blocking.Ended(fired);
        Assert.True(fired.IsCompletedSuccessfully); // the work itself returned; its async void method failed later
        var e = Assert.Throws<LoopHostException>(() => host.WaitForStop());
        Assert.Same(boom, e.InnerException);
        Assert.False(host.IsRunning);
        Blocking.Ended(bystander);
        Assert.True(bystander.IsCanceled, "the other work in flight ends cancelled");
        Assert.IsType<ObjectDisposedException>(Blocking.Failure(host.Submit(_ => Task.FromResult(1))));
        Assert.Same(boom, Assert.Throws<LoopHostException>(host.Dispose).InnerException); // the first Dispose reports it too
        host.Dispose(); // later ones do not
    });

    [Fact]
    public void TimeProviderCallbackThrowing_OnTheLoop_StopsTheHostAndWaitForStopReportsIt() => Guard.Run(() =>
    {
        var host = new LoopThread();
        var boom = new Boom("timer callback");
        var timerSet = host.Submit(async ct =>
        {
            // Left running after the work returns: the callback fires on the loop, outside any work item.
            _ = host.Loop.TimeProvider.CreateTimer(_ => throw boom, null, TimeSpan.FromMilliseconds(10), Timeout.InfiniteTimeSpan);
        });
        Blocking.Ended(timerSet);

        var e = Assert.Throws<LoopHostException>(() => host.WaitForStop());
        Assert.Same(boom, e.InnerException);
        Assert.False(host.IsRunning);
    });

    [Fact]
    public void StopTimeout_WorkBlockingTheLoopThread_CannotStopIt() => Guard.Run(() =>
    {
        var host = new LoopThread { StopTimeout = TimeSpan.FromMilliseconds(50) };
        using var blocking = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var work = host.Submit(async ct =>
        {
            blocking.Set();
#pragma warning disable VSTHRD103 // Blocking the loop thread on purpose: the scenario documented as out of Stop's reach.
            release.Wait(CancellationToken.None);
#pragma warning restore VSTHRD103
        });
        Assert.True(blocking.Wait(Blocking.Patience));

        host.Stop();

        Assert.False(host.WaitForStop(TimeSpan.FromMilliseconds(500)), "a host whose loop thread is blocked cannot stop, StopTimeout or not");
        release.Set();
        Assert.True(host.WaitForStop(Blocking.Patience));
        Assert.True(work.IsCompletedSuccessfully);
        host.Dispose();
    });

#pragma warning disable VSTHRD100 // An async void method is the scenario: its exception goes to the loop's context.
    private static async void FireAndForget(Boom boom)
    {
        await EventLoop.Yield();
        throw boom;
    }
#pragma warning restore VSTHRD100
}
