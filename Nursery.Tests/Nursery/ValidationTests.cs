namespace Nursery.Tests.Nursery;

/// <summary>
/// Spawn, Schedule and SpawnAsync (every overload, named or not) check their arguments and the manager's state, with
/// clear messages, before doing anything.
/// </summary>
public class ValidationTests
{
    public static TheoryData<string> Overloads() =>
    [
        "Spawn<T>(ct)", "Spawn(ct)", "Spawn<T>()", "Spawn()",
        "Schedule<T>(ct)", "Schedule(ct)", "Schedule<T>()", "Schedule()",
        "Spawn<T>(ct, name)", "Spawn(ct, name)", "Spawn<T>(name)", "Spawn(name)",
        "Schedule<T>(ct, name)", "Schedule(ct, name)", "Schedule<T>(name)", "Schedule(name)",
        "SpawnAsync<T>(ct)", "SpawnAsync(ct)", "SpawnAsync<T>()", "SpawnAsync()", "SpawnAsync<T>(ct, name)", "SpawnAsync(ct, name)",
    ];

    /// <summary>Calls one overload; a null body when <paramref name="nullBody"/>, else a trivial one.</summary>
    private static object Call(TaskManager tm, string overload, bool nullBody, TimeSpan delay) => overload switch
    {
        "Spawn<T>(ct)" => tm.Spawn(nullBody ? null! : (Func<CancellationToken, Task<int>>)(async ct => 1)),
        "Spawn(ct)" => tm.Spawn(nullBody ? null! : (Func<CancellationToken, Task>)(async ct => { })),
        "Spawn<T>()" => tm.Spawn(nullBody ? null! : (Func<Task<int>>)(async () => 1)),
        "Spawn()" => tm.Spawn(nullBody ? null! : (Func<Task>)(async () => { })),
        "Schedule<T>(ct)" => tm.Schedule(nullBody ? null! : (Func<CancellationToken, Task<int>>)(async ct => 1), delay),
        "Schedule(ct)" => tm.Schedule(nullBody ? null! : (Func<CancellationToken, Task>)(async ct => { }), delay),
        "Schedule<T>()" => tm.Schedule(nullBody ? null! : (Func<Task<int>>)(async () => 1), delay),
        "Schedule()" => tm.Schedule(nullBody ? null! : (Func<Task>)(async () => { }), delay),
        "Spawn<T>(ct, name)" => tm.Spawn(nullBody ? null! : (Func<CancellationToken, Task<int>>)(async ct => 1), "named"),
        "Spawn(ct, name)" => tm.Spawn(nullBody ? null! : (Func<CancellationToken, Task>)(async ct => { }), "named"),
        "Spawn<T>(name)" => tm.Spawn(nullBody ? null! : (Func<Task<int>>)(async () => 1), "named"),
        "Spawn(name)" => tm.Spawn(nullBody ? null! : (Func<Task>)(async () => { }), "named"),
        "Schedule<T>(ct, name)" => tm.Schedule(nullBody ? null! : (Func<CancellationToken, Task<int>>)(async ct => 1), delay, "named"),
        "Schedule(ct, name)" => tm.Schedule(nullBody ? null! : (Func<CancellationToken, Task>)(async ct => { }), delay, "named"),
        "Schedule<T>(name)" => tm.Schedule(nullBody ? null! : (Func<Task<int>>)(async () => 1), delay, "named"),
        "Schedule(name)" => tm.Schedule(nullBody ? null! : (Func<Task>)(async () => { }), delay, "named"),
        "SpawnAsync<T>(ct)" => tm.SpawnAsync(nullBody ? null! : (Func<CancellationToken, Task<int>>)(async ct => 1)),
        "SpawnAsync(ct)" => tm.SpawnAsync(nullBody ? null! : (Func<CancellationToken, Task>)(async ct => { })),
        "SpawnAsync<T>()" => tm.SpawnAsync(nullBody ? null! : (Func<Task<int>>)(async () => 1)),
        "SpawnAsync()" => tm.SpawnAsync(nullBody ? null! : (Func<Task>)(async () => { })),
        "SpawnAsync<T>(ct, name)" => tm.SpawnAsync(nullBody ? null! : (Func<CancellationToken, Task<int>>)(async ct => 1), "named"),
        "SpawnAsync(ct, name)" => tm.SpawnAsync(nullBody ? null! : (Func<CancellationToken, Task>)(async ct => { }), "named"),
        _ => throw new ArgumentOutOfRangeException(nameof(overload)),
    };

    [Theory]
    [MemberData(nameof(Overloads))]
    public void SpawnOrSchedule_NullBody_ThrowsArgumentNullExceptionAndAddsNoChild(string overload) => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var e = Assert.Throws<ArgumentNullException>(() => Call(tm, overload, nullBody: true, S(1)));
        Assert.Equal("body", e.ParamName);
        Assert.Empty(tm.Children);
    });

    [Theory]
    [InlineData("Schedule<T>(ct)")]
    [InlineData("Schedule(ct)")]
    [InlineData("Schedule<T>()")]
    [InlineData("Schedule()")]
    [InlineData("Schedule<T>(ct, name)")]
    [InlineData("Schedule(ct, name)")]
    [InlineData("Schedule<T>(name)")]
    [InlineData("Schedule(name)")]
    public void Schedule_NegativeDelay_ThrowsArgumentOutOfRangeExceptionAndAddsNoChild(string overload) => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Call(tm, overload, nullBody: false, TimeSpan.FromTicks(-1)));
        Assert.Equal("delay", e.ParamName);
        Assert.Contains("zero or positive", e.Message, StringComparison.Ordinal);
        Assert.Empty(tm.Children);
        Assert.Equal(0, loop.Timers.Count);
    });

    [Fact]
    public void Schedule_NullBodyAndNegativeDelay_ReportsTheNullBodyFirst() => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        Assert.Throws<ArgumentNullException>(() => tm.Schedule((Func<Task>)null!, S(-1)));
    });

    [Theory]
    [MemberData(nameof(Overloads))]
    public void SpawnOrSchedule_AfterTheJoin_ThrowsInvalidOperationExceptionSayingTheManagerIsClosed(string overload) => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        tm.Spawn(async () => { });
        await tm.DisposeAsync();
        var e = Assert.Throws<InvalidOperationException>(() => Call(tm, overload, nullBody: false, S(1)));
        Assert.Contains("closed", e.Message, StringComparison.Ordinal);
        Assert.Single(tm.Children);
    });

    [Fact]
    public void Spawn_AfterTheJoinOfACancelledManager_StillThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        var tm = new TaskManager(loop);
        tm.Cancel();
        await tm.DisposeAsync();
        Assert.Throws<InvalidOperationException>(() => tm.Spawn(async () => { }));
    });

    [Fact]
    public void Spawn_FromAChildAfterItsManagerClosed_ThrowsInvalidOperationException() => Virtual.Run(async loop =>
    {
        // A child of another manager tries to spawn into one that has closed meanwhile.
        var closed = new TaskManager(loop);
        await closed.DisposeAsync();
        await using var tm = new TaskManager(loop);
        var child = tm.Spawn(async () => closed.Spawn(async () => { }));
        await Catch.ExactlyAsync<InvalidOperationException>(() => tm.DisposeAsync().AsTask());
        Assert.Equal(ChildTaskStatus.Faulted, child.Status);
    });

    [Theory]
    [MemberData(nameof(Overloads))]
    public void SpawnOrSchedule_FromAnotherThreadWhileTheLoopRuns_ThrowsInvalidOperationExceptionAndAddsNoChild(string overload) => Virtual.Run(async loop =>
    {
        await using var tm = new TaskManager(loop);
        Exception? e = null;
        // Another thread, while the loop thread waits for it.
        AnotherThread.Run(() => e = Record.Exception(() => Call(tm, overload, nullBody: false, S(1))));
        Assert.IsType<InvalidOperationException>(e);
        Assert.StartsWith("This TaskManager belongs to an event loop that is not running on this thread.", e.Message, StringComparison.Ordinal);
        Assert.Empty(tm.Children);
    });
}
