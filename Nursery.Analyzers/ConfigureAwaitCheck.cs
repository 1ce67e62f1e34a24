using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace Nursery.Analyzers;

/// <summary>
/// NURSERY002: <c>ConfigureAwait(false)</c> (or <c>ConfigureAwait(ConfigureAwaitOptions)</c> without
/// ContinueOnCapturedContext) on a task, a value task, a Checkpoint (EventLoop.Sleep/Yield), an async disposable or
/// an async enumerable. The location is
/// the <c>ConfigureAwait(...)</c> call itself, which the code fix removes.
/// </summary>
internal static class ConfigureAwaitCheck
{
    /// <summary>ConfigureAwaitOptions.ContinueOnCapturedContext.</summary>
    private const int ContinueOnCapturedContext = 1;

    public static LoopFinding? Check(IInvocationOperation invocation, NurserySymbols symbols)
    {
        var method = invocation.TargetMethod;
        var type = method.ContainingType.OriginalDefinition;
        if (method.Name != "ConfigureAwait"
            || !(symbols.IsTaskLike(type) || NurserySymbols.Is(type, symbols.AsyncEnumerableExtensions))
            || !LeavesContext(invocation, symbols)
            || invocation.Syntax is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax member } syntax)
        {
            return null;
        }
        var location = Location.Create(syntax.SyntaxTree, TextSpan.FromBounds(member.Name.SpanStart, syntax.Span.End));
        return new LoopFinding(invocation, Diagnostic.Create(Rules.ConfigureAwaitFalse, location), childOnly: false);
    }

    /// <summary>True when the argument is a constant that does not continue on the captured context.</summary>
    private static bool LeavesContext(IInvocationOperation invocation, NurserySymbols symbols)
    {
        foreach (var argument in invocation.Arguments)
        {
            var value = argument.Value.ConstantValue;
            if (!value.HasValue)
            {
                continue;
            }
            if (argument.Parameter?.Type.SpecialType == SpecialType.System_Boolean && value.Value is false)
            {
                return true;
            }
            if (NurserySymbols.Is(argument.Parameter?.Type, symbols.ConfigureAwaitOptions)
                && value.Value is int options && (options & ContinueOnCapturedContext) == 0)
            {
                return true;
            }
        }
        return false;
    }
}
