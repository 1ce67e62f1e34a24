namespace Nursery;

/// <summary>
/// Handed to a child started with <see cref="TaskManager.StartAsync(Func{StartSignal, CancellationToken, Task}, TimeSpan?)"/>:
/// the child calls <see cref="Started"/> once it is ready (a server that is listening), which completes StartAsync.
/// </summary>
public sealed class StartSignal
{
    private readonly StartOperation<object?> _operation;

    internal StartSignal(StartOperation<object?> operation) => _operation = operation;

    /// <summary>Says the child is ready: StartAsync completes, and the child becomes an ordinary child of its manager.</summary>
    /// <exception cref="InvalidOperationException">Called a second time, after the child ended, or off the loop thread.</exception>
    public void Started() => _operation.Started(null);
}
