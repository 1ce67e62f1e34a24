namespace Nursery.Tests.Support;

/// <summary>
/// Exception assertions for code running on a loop. They resume on the loop thread (no ConfigureAwait(false),
/// unlike helpers that may hop to the thread pool), and catch a synchronous throw as well as a failed task.
/// </summary>
public static class Catch
{
    /// <summary>The exception <paramref name="action"/> throws or its task fails with; null when it succeeds.</summary>
    public static async Task<Exception?> ExceptionAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>Exactly <typeparamref name="T"/> (not a subclass).</summary>
    public static async Task<T> ExactlyAsync<T>(Func<Task> action)
        where T : Exception
    {
        var e = await ExceptionAsync(action);
        Assert.True(e is not null, $"Expected {typeof(T).Name}, but nothing was thrown.");
        return Assert.IsType<T>(e);
    }

    /// <summary><typeparamref name="T"/> or a subclass (TaskCanceledException for OperationCanceledException, say).</summary>
    public static async Task<T> AnyAsync<T>(Func<Task> action)
        where T : Exception
    {
        var e = await ExceptionAsync(action);
        Assert.True(e is not null, $"Expected {typeof(T).Name}, but nothing was thrown.");
        return Assert.IsAssignableFrom<T>(e);
    }

    /// <summary>
    /// Exactly <typeparamref name="T"/>, thrown synchronously by the call itself: a task that fails later does not count
    /// (argument and thread checks must fail at the call, not when someone awaits).
    /// </summary>
    public static T Synchronously<T>(Func<Task> start)
        where T : Exception
    {
        Task task;
        try
        {
            task = start();
        }
        catch (Exception e)
        {
            return Assert.IsType<T>(e);
        }
        Assert.Fail($"Expected {typeof(T).Name} to be thrown by the call, but it returned a task ({task.Status}).");
        return null!;
    }

    /// <summary>What <paramref name="action"/> throws when run on a thread-pool thread (off the loop); awaiting resumes on the loop.</summary>
    public static Task<Exception?> OffLoopAsync(Action action) => Task.Run<Exception?>(() => Record.Exception(action));

    /// <summary>The leaves of an exception tree: AggregateExceptions expanded recursively, in order.</summary>
    public static IReadOnlyList<Exception> Leaves(Exception? e) => e switch
    {
        null => [],
        AggregateException aggregate => [.. aggregate.InnerExceptions.SelectMany(Leaves)],
        _ => [e],
    };
}
