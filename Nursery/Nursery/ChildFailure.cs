namespace Nursery;

/// <summary>
/// One failure of a child of a <see cref="TaskManager"/>, as <see cref="TaskManager.Failures"/> lists it: the structured
/// view beside the exception the join rethrows.
/// </summary>
/// <param name="Child">The child that failed.</param>
/// <param name="Exception">What it failed with (the same object the join rethrows).</param>
/// <param name="At">The loop time (<see cref="EventLoop.Now"/>) at which the failure was recorded.</param>
/// <param name="Primary">
/// False for a failure raised while the child was already being cancelled (cleanup that threw): the cancellation reached
/// it in an earlier turn of the loop. The cancellation that one failure causes does not make other children's failures
/// in the same turn secondary. Tools show the primary failures first: they are the causes.
/// </param>
public sealed record ChildFailure(ChildTask Child, Exception Exception, TimeSpan At, bool Primary);
