namespace Nursery;

/// <summary>
/// <see cref="LoopRegistry.GetOrCreate"/> was called with <c>strictlyGet: true</c>, and no running host is
/// registered for the id in the caller's execution context.
/// </summary>
public sealed class LoopHostNotFoundException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public LoopHostNotFoundException()
        : base("No loop host is registered for this id in the current execution context.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    /// <param name="message">What was not found and why.</param>
    public LoopHostNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the failure that caused it.</summary>
    /// <param name="message">What was not found and why.</param>
    /// <param name="innerException">The failure that caused it.</param>
    public LoopHostNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a lookup of <paramref name="id"/> that found nothing.</summary>
    internal LoopHostNotFoundException(object? id, string message)
        : base(message)
    {
        Id = id;
    }

    /// <summary>The id that was looked up (<see langword="null"/> for the default host, or when not known).</summary>
    public object? Id { get; }
}
