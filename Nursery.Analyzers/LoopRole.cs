namespace Nursery.Analyzers;

/// <summary>How a piece of code runs, as far as the analyzers can tell from the code around it.</summary>
internal enum LoopRole
{
    /// <summary>Not known to run on a Nursery loop: nothing is reported.</summary>
    NotOnLoop,

    /// <summary>
    /// The member's own body, which runs on a loop only if the member is passed as a body somewhere in its type
    /// (<c>tm.Spawn(WorkAsync)</c>): decided once the whole type has been analyzed.
    /// </summary>
    MemberBody,

    /// <summary>The main function of <c>EventLoop.Run</c>: on the loop, but nothing cancels it from outside.</summary>
    Main,

    /// <summary>
    /// A child, host work item or other body that runs on a loop under cancellation, or code that calls
    /// <c>EventLoop.Sleep</c>/<c>Yield</c> (it can only run on a loop).
    /// </summary>
    Child,
}
