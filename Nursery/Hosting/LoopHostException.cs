namespace Nursery;

/// <summary>
/// A loop host could not do what was asked of it: its loop thread could not be started, or its loop stopped
/// with a failure of its own. Refused submissions use the more specific <see cref="UnknownTaskTypeException"/>.
/// </summary>
public class LoopHostException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public LoopHostException()
        : base("The loop host could not run the event loop.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    public LoopHostException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the failure that caused it.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="innerException">The failure that caused it.</param>
    public LoopHostException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
