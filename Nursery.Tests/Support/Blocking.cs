namespace Nursery.Tests.Support;

/// <summary>Waits for tasks from blocking test code (host tests run off any loop), failing instead of hanging.</summary>
public static class Blocking
{
    /// <summary>Generous: the machine may be busy; only a hang reaches it.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Waits until <paramref name="task"/> has ended, whatever its outcome.</summary>
    public static void Ended(Task task, string what = "task")
    {
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(Patience))
            Assert.Fail($"The {what} did not end within {Patience.TotalSeconds:0} s.");
    }

    /// <summary>The task's result, or its exception rethrown as the same object.</summary>
    public static T Result<T>(Task<T> task)
    {
        Ended(task);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>The single exception the task failed with.</summary>
    public static Exception Failure(Task task)
    {
        Ended(task);
        Assert.True(task.IsFaulted, $"Expected the task to fail, but it is {task.Status}.");
        return Assert.Single(task.Exception!.InnerExceptions);
    }

    /// <summary>Polls until <paramref name="condition"/> holds (for state that has no event to wait on).</summary>
    public static void Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out after {Patience.TotalSeconds:0} s waiting until {what}.");
            Thread.Sleep(1);
        }
    }

    /// <summary>Runs <paramref name="body"/> on a new thread (inheriting this ExecutionContext unless <paramref name="unrelated"/>) and returns its result.</summary>
    public static T OnNewThread<T>(Func<T> body, bool unrelated = false)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { result = body(); }
            catch (Exception e) { failure = e; }
        }) { IsBackground = true };
        if (unrelated) thread.UnsafeStart();
        else thread.Start();
        if (!thread.Join(Patience)) Assert.Fail("A helper thread did not finish.");
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return result;
    }
}
