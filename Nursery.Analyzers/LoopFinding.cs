using Microsoft.CodeAnalysis;

namespace Nursery.Analyzers;

/// <summary>
/// Something that is wrong only if it runs on a loop: the diagnostic to report, the operation whose function decides
/// whether it does, and whether it matters in EventLoop.Run's main function too or only under cancellation.
/// </summary>
internal sealed class LoopFinding(IOperation operation, Diagnostic diagnostic, bool childOnly)
{
    public IOperation Operation { get; } = operation;

    public Diagnostic Diagnostic { get; } = diagnostic;

    /// <summary>True for findings about cancellation, which nothing delivers to EventLoop.Run's main function.</summary>
    public bool ChildOnly { get; } = childOnly;

    /// <summary>True when code with this role must be reported.</summary>
    public bool AppliesTo(LoopRole role) => role == LoopRole.Child || (role == LoopRole.Main && !ChildOnly);
}
