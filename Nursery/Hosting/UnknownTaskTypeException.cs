namespace Nursery;

/// <summary>
/// A host created for one task type (<c>new LoopThread(taskType: "render")</c>) refused work submitted with
/// another type, or with none. Thrown synchronously by <see cref="ILoopHost.Submit{T}(Func{CancellationToken, Task{T}}, string?)"/>.
/// </summary>
/// <remarks>
/// Task types keep work on the loop it was designed for: a render loop that accidentally receives blocking I/O
/// work stutters, and the mistake is easier to find at the call that made it than in a profile.
/// </remarks>
public sealed class UnknownTaskTypeException : LoopHostException
{
    /// <summary>Creates the exception with a default message.</summary>
    public UnknownTaskTypeException()
        : base("The loop host does not accept work of this task type.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    public UnknownTaskTypeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the failure that caused it.</summary>
    /// <param name="message">What went wrong and how to fix it.</param>
    /// <param name="innerException">The failure that caused it.</param>
    public UnknownTaskTypeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the refusal of <paramref name="givenType"/> by a host that accepts only <paramref name="expectedType"/>.</summary>
    internal UnknownTaskTypeException(string hostName, string? givenType, string? expectedType)
        : base(DescribeRefusal(hostName, givenType, expectedType))
    {
        GivenType = givenType;
        ExpectedType = expectedType;
    }

    /// <summary>The task type the refused work was submitted with; <see langword="null"/> for an untyped submission.</summary>
    public string? GivenType { get; }

    /// <summary>The only task type the host accepts.</summary>
    public string? ExpectedType { get; }

    private static string DescribeRefusal(string hostName, string? givenType, string? expectedType)
    {
        var given = givenType is null ? "without a task type" : $"with task type \"{givenType}\"";
        var elsewhere = givenType is null
            ? "or submit it to a host created without a task type (new LoopThread()), which accepts any work"
            : $"or submit it to a host created for that type (new LoopThread(taskType: \"{givenType}\"))";
        return $"{hostName} only accepts work of task type \"{expectedType}\", but the work was submitted {given}. " +
            $"If the work belongs on this loop, pass the type: Submit(work, \"{expectedType}\"); {elsewhere}.";
    }
}
