using System.Globalization;

namespace Nursery;

/// <summary>
/// Why something was cancelled: a scope's deadline, a <c>Cancel(reason)</c> call, a failing sibling, an outside token,
/// a host that is stopping. Every node a cancellation reaches keeps the cause, and the
/// <see cref="OperationCanceledException"/> a checkpoint throws carries its <see cref="Message"/>, so a cancelled
/// child can say what cancelled it (asyncio's <c>Task.cancel(msg)</c> is the nearest relative).
/// </summary>
/// <remarks>
/// One cause is shared by every node one cancellation reaches (100,000 cancelled siblings share one object), and its
/// message is built on first use: most causes are never printed.
/// </remarks>
internal sealed class CancelCause
{
    private enum Kind
    {
        /// <summary>A Cancel() call; <see cref="Reason"/> is what the caller gave, if anything.</summary>
        Requested,

        /// <summary>A deadline passed.</summary>
        Deadline,

        /// <summary>A sibling failed, so its manager cancelled the rest.</summary>
        SiblingFailed,

        /// <summary>The body of a RunAsync failed, so its manager cancelled the children.</summary>
        BodyFailed,

        /// <summary>A CancellationToken from outside the loop fired.</summary>
        OutsideToken,

        /// <summary>A loop host is stopping.</summary>
        HostStopping,

        /// <summary>The code that opened a manager ended without joining it.</summary>
        OwnerEnded,

        /// <summary>A StartAsync's readyTimeout passed before the child called Started.</summary>
        ReadyTimeout,
    }

    private readonly Kind _kind;

    /// <summary>Who was cancelled, in words: "the cancel scope", "TaskManager #2", "child #7 'fetch'".</summary>
    private readonly string _subject;

    /// <summary>The failure behind <see cref="Kind.SiblingFailed"/> / <see cref="Kind.BodyFailed"/>.</summary>
    private readonly Exception? _failure;

    /// <summary>The failing sibling, for <see cref="Kind.SiblingFailed"/>.</summary>
    private readonly ChildTask? _sibling;

    /// <summary>The deadline or timeout, for <see cref="Kind.Deadline"/> / <see cref="Kind.ReadyTimeout"/>.</summary>
    private readonly TimeSpan _time;

    /// <summary>Built on first use.</summary>
    private string? _message;

    private CancelCause(Kind kind, string subject, long turn, string? reason = null, Exception? failure = null, ChildTask? sibling = null, TimeSpan time = default)
    {
        _kind = kind;
        _subject = subject;
        Turn = turn;
        Reason = reason;
        _failure = failure;
        _sibling = sibling;
        _time = time;
    }

    /// <summary>The loop turn in which the cancellation happened (a failure in a later turn of a cancelled child is secondary).</summary>
    public long Turn { get; }

    /// <summary>
    /// The short reason a <see cref="CancelScope"/> reports as <see cref="CancelScope.CancelReason"/>: the text given to
    /// <c>Cancel</c> (null when none was given), or "deadline 00:00:05 passed".
    /// </summary>
    public string? Reason { get; }

    /// <summary>Whether this is the passing of a deadline.</summary>
    public bool IsDeadline => _kind == Kind.Deadline;

    /// <summary>The sentence the <see cref="OperationCanceledException"/> of a cancelled checkpoint carries.</summary>
    public string Message => _message ??= Describe();

    /// <summary><paramref name="subject"/> was cancelled by a call to Cancel, with an optional reason.</summary>
    public static CancelCause Requested(EventLoop loop, string subject, string? reason, string call) =>
        new(Kind.Requested, subject, loop.TurnNumber, reason)
        {
            _message = reason is null ? $"{Capitalize(subject)} was cancelled by {call}." : $"{Capitalize(subject)} was cancelled: {reason}",
        };

    /// <summary>The deadline of <paramref name="subject"/> passed.</summary>
    public static CancelCause Deadline(EventLoop loop, string subject, TimeSpan deadline) =>
        new(Kind.Deadline, subject, loop.TurnNumber, FormattableString.Invariant($"deadline {deadline} passed"), time: deadline);

    /// <summary><paramref name="sibling"/> (null: a token callback) failed with <paramref name="failure"/>, so its manager cancelled the others.</summary>
    public static CancelCause SiblingFailed(EventLoop loop, ChildTask? sibling, Exception failure) =>
        new(Kind.SiblingFailed, "the task", loop.TurnNumber, failure: failure, sibling: sibling);

    /// <summary>The body of the RunAsync of <paramref name="subject"/> failed with <paramref name="failure"/>.</summary>
    public static CancelCause BodyFailed(EventLoop loop, string subject, Exception failure) =>
        new(Kind.BodyFailed, subject, loop.TurnNumber, failure: failure);

    /// <summary>The outside token given to <paramref name="subject"/> fired.</summary>
    public static CancelCause OutsideToken(EventLoop loop, string subject) => new(Kind.OutsideToken, subject, loop.TurnNumber);

    /// <summary>The host named <paramref name="host"/> is stopping.</summary>
    public static CancelCause HostStopping(EventLoop loop, string host) => new(Kind.HostStopping, host, loop.TurnNumber);

    /// <summary>The code that opened <paramref name="subject"/> ended without joining it.</summary>
    public static CancelCause OwnerEnded(EventLoop loop, string subject) => new(Kind.OwnerEnded, subject, loop.TurnNumber);

    /// <summary>The readyTimeout of a StartAsync passed.</summary>
    public static CancelCause ReadyTimeout(EventLoop loop, TimeSpan timeout) =>
        new(Kind.ReadyTimeout, "the starting child", loop.TurnNumber, time: timeout);

    private string Describe() => _kind switch
    {
        Kind.Deadline => $"{Capitalize(_subject)} was cancelled: its {Reason}.",
        Kind.SiblingFailed when _sibling is null =>
            $"Cancelled because a callback registered on a cancellation token failed: {_failure!.GetType().Name}: {_failure.Message}",
        Kind.SiblingFailed => $"Cancelled because sibling {SiblingLabel(_sibling)} failed: {_failure!.GetType().Name}: {_failure.Message}",
        Kind.BodyFailed => $"{Capitalize(_subject)} was cancelled because its RunAsync body failed: {_failure!.GetType().Name}: {_failure.Message}",
        Kind.OutsideToken => $"{Capitalize(_subject)} was cancelled because the CancellationToken passed to it was cancelled.",
        Kind.HostStopping => $"Cancelled because {_subject} is stopping.",
        Kind.OwnerEnded => $"{Capitalize(_subject)} was cancelled because the code that opened it ended without joining it " +
            "(await using, DisposeAsync or TaskManager.RunAsync).",
        Kind.ReadyTimeout => string.Create(CultureInfo.InvariantCulture,
            $"Cancelled because StartAsync's readyTimeout of {_time} passed before the child called Started."),
        _ => $"{Capitalize(_subject)} was cancelled.",
    };

    /// <summary>"#3 'fetch b'", or "#3" for a child without a name: the name is quoted, as it may contain spaces.</summary>
    private static string SiblingLabel(ChildTask sibling) => sibling.Name is { } name ? $"#{sibling.Id} '{name}'" : $"#{sibling.Id}";

    private static string Capitalize(string text) => text.Length == 0 || char.IsUpper(text[0]) ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
