using Microsoft.Extensions.Logging;

namespace Nursery.Extensions.Hosting;

/// <summary>
/// The log events of the hosting integration, one source-generated method each (no formatting, no boxing when the
/// level is off). Event ids are stable: dashboards and log filters may rely on them.
/// </summary>
internal static partial class NurseryLog
{
    /// <summary>The category of the loop's own events (start, stop).</summary>
    public const string LoopCategory = "Nursery.Extensions.Hosting.NurseryLoop";

    [LoggerMessage(EventId = 1, EventName = "LoopStarted", Level = LogLevel.Information,
        Message = "Nursery loop \"{LoopName}\" started")]
    public static partial void LoopStarted(ILogger logger, string loopName);

    [LoggerMessage(EventId = 2, EventName = "LoopStopping", Level = LogLevel.Information,
        Message = "Nursery loop \"{LoopName}\" stopping: cancelling its work and waiting for it to end (at most {StopTimeout})")]
    public static partial void LoopStopping(ILogger logger, string loopName, TimeSpan stopTimeout);

    [LoggerMessage(EventId = 3, EventName = "LoopStopped", Level = LogLevel.Information,
        Message = "Nursery loop \"{LoopName}\" stopped: all its work ended in {ElapsedMilliseconds} ms")]
    public static partial void LoopStopped(ILogger logger, string loopName, long elapsedMilliseconds);

    [LoggerMessage(EventId = 4, EventName = "LoopStopTimedOut", Level = LogLevel.Warning,
        Message = "Nursery loop \"{LoopName}\" had not stopped when the host's shutdown timeout expired: work on it has not ended since it was cancelled " +
                  "(or the services that stopped before the loop used up the time). The host stops without waiting; the loop gives such work up " +
                  "after its StopTimeout ({StopTimeout}). " +
                  "Pass the CancellationToken on, or reach a checkpoint (EventLoop.Sleep, EventLoop.Yield), in every long wait.")]
    public static partial void LoopStopTimedOut(ILogger logger, string loopName, TimeSpan stopTimeout);

    [LoggerMessage(EventId = 5, EventName = "LoopStopFailed", Level = LogLevel.Error,
        Message = "Nursery loop \"{LoopName}\" failed while stopping, after the host had stopped waiting for it")]
    public static partial void LoopStopFailed(ILogger logger, string loopName, Exception exception);

    [LoggerMessage(EventId = 10, EventName = "ChildFailed", Level = LogLevel.Error,
        Message = "Child #{ChildId} {ChildName} of {Service} failed at loop time {LoopTime}{WhileCancelled}")]
    public static partial void ChildFailed(ILogger logger, int childId, string childName, string service, TimeSpan loopTime, string whileCancelled, Exception exception);

    [LoggerMessage(EventId = 11, EventName = "ExecuteFailed", Level = LogLevel.Error,
        Message = "ExecuteAsync of {Service} failed; its children were cancelled and joined")]
    public static partial void ExecuteFailed(ILogger logger, string service, Exception exception);
}
