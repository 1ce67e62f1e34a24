namespace Nursery;

/// <summary>
/// Handed to a child started with <see cref="TaskManager.StartAsync{T}"/>: the child calls <see cref="Started"/> with a
/// value once it is ready (a server that is listening, with its port), which completes StartAsync with that value.
/// </summary>
/// <typeparam name="T">The value the child hands over.</typeparam>
public sealed class StartSignal<T>
{
    private readonly StartOperation<T> _operation;

    internal StartSignal(StartOperation<T> operation) => _operation = operation;

    /// <summary>Says the child is ready: StartAsync completes with <paramref name="value"/>, and the child becomes an ordinary child of its manager.</summary>
    /// <param name="value">What StartAsync returns.</param>
    /// <exception cref="InvalidOperationException">Called a second time, after the child ended, or off the loop thread.</exception>
    public void Started(T value) => _operation.Started(value);
}
