using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Nursery.Analyzers;

/// <summary>
/// NURSERY003: <c>task.Result</c>, <c>task.Wait()</c>, <c>Task.WaitAll/WaitAny</c> and
/// <c>task.GetAwaiter().GetResult()</c> (a Checkpoint's too: <c>EventLoop.Sleep(d).GetAwaiter().GetResult()</c>). Not reported where the task has certainly completed: after the same task
/// expression was awaited (alone or inside Task.WhenAll/WhenAny) or had its IsCompleted-style state read earlier in
/// the same function, and on the antecedent inside a ContinueWith continuation. <c>ChildTask&lt;T&gt;.Result</c>
/// never blocks (it throws unless the child completed) and is not a Task, so it is never reported.
/// </summary>
internal static class BlockingWaitCheck
{
    public static LoopFinding? Check(IPropertyReferenceOperation property, NurserySymbols symbols)
    {
        var type = property.Property.ContainingType.OriginalDefinition;
        if (property.Property.Name != "Result"
            || !(NurserySymbols.Is(type, symbols.TaskOfT) || NurserySymbols.Is(type, symbols.ValueTaskOfT))
            || property.IsInsideNameOf())
        {
            return null;
        }
        return Finding(property, property.Instance, ".Result");
    }

    public static LoopFinding? Check(IInvocationOperation invocation, NurserySymbols symbols)
    {
        var method = invocation.TargetMethod;
        if (NurserySymbols.Is(method.ContainingType.OriginalDefinition, symbols.Task) || NurserySymbols.Is(method.ContainingType.OriginalDefinition, symbols.TaskOfT))
        {
            return method.Name switch
            {
                "Wait" => Finding(invocation, invocation.Instance, ".Wait()"),
                "WaitAll" or "WaitAny" => Finding(invocation, receiver: null, "Task." + method.Name),
                _ => null,
            };
        }
        // The awaiter of a task, a configured task or a Checkpoint (EventLoop.Sleep/Yield), got with GetAwaiter().
        if (method.Name == "GetResult"
            && method.ContainingType.Name.EndsWith("Awaiter", System.StringComparison.Ordinal)
            && invocation.Instance?.WalkDownConversions() is IInvocationOperation { TargetMethod.Name: "GetAwaiter" } getAwaiter
            && (symbols.IsTaskLike(getAwaiter.TargetMethod.ContainingType) || IsConfiguredAwaitable(getAwaiter.TargetMethod.ContainingType)))
        {
            return Finding(invocation, getAwaiter.Instance, "GetAwaiter().GetResult()");
        }
        return null;
    }

    private static bool IsConfiguredAwaitable(INamedTypeSymbol type) =>
        type.Name.StartsWith("Configured", System.StringComparison.Ordinal)
        && type.ContainingNamespace?.ToDisplayString() == "System.Runtime.CompilerServices";

    private static LoopFinding? Finding(IOperation operation, IOperation? receiver, string what)
    {
        if (receiver is not null && HasCompleted(operation, receiver))
        {
            return null;
        }
        var diagnostic = Diagnostic.Create(Rules.BlockingWait, operation.Syntax.GetLocation(), what);
        return new LoopFinding(operation, diagnostic, childOnly: false);
    }

    /// <summary>
    /// True when the task has certainly completed where it is read: it is a ContinueWith continuation's antecedent,
    /// or the same task expression was awaited or had its completion state read earlier in the same function.
    /// </summary>
    private static bool HasCompleted(IOperation use, IOperation receiver)
    {
        receiver = receiver.WalkDownConversions();
        if (receiver is IParameterReferenceOperation { Parameter.ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.AnonymousFunction } }
            && use.EnclosingFunction() is IAnonymousFunctionOperation continuation
            && continuation.WalkUpConversions() is IArgumentOperation { Parameter.ContainingSymbol: IMethodSymbol { Name: "ContinueWith" } })
        {
            return true;
        }
        var key = Key(receiver);
        if (key is null)
        {
            return false;
        }
        var function = use.EnclosingFunction() ?? Root(use);
        return function.DescendantsInSameFunction().Any(earlier =>
            earlier.Syntax.SpanStart < use.Syntax.SpanStart
            && earlier switch
            {
                IAwaitOperation awaited => awaited.Operation.DescendantsAndSelf().Any(o => Key(o) == key),
                IPropertyReferenceOperation { Property.Name: "IsCompleted" or "IsCompletedSuccessfully" or "IsFaulted" or "IsCanceled" or "Status" } state =>
                    state.Instance is not null && Key(state.Instance.WalkDownConversions()) == key,
                _ => false,
            });
    }

    private static IOperation Root(IOperation operation)
    {
        while (operation.Parent is not null)
        {
            operation = operation.Parent;
        }
        return operation;
    }

    /// <summary>
    /// A text key for a task expression made only of variables, fields and properties (`t`, `child.Completion`,
    /// `this.task`), so two reads of the same task compare equal; null for anything else (calls, indexers).
    /// </summary>
    private static string? Key(IOperation operation)
    {
        for (var current = operation; ; )
        {
            switch (current)
            {
                case ILocalReferenceOperation or IParameterReferenceOperation or IInstanceReferenceOperation:
                    return string.Concat(operation.Syntax.ToString().Where(c => !char.IsWhiteSpace(c)));
                case IFieldReferenceOperation { Instance: null } or IPropertyReferenceOperation { Instance: null, Arguments.Length: 0 }:
                    return string.Concat(operation.Syntax.ToString().Where(c => !char.IsWhiteSpace(c)));
                case IFieldReferenceOperation field:
                    current = field.Instance.WalkDownConversions();
                    break;
                case IPropertyReferenceOperation { Arguments.Length: 0 } property:
                    current = property.Instance!.WalkDownConversions();
                    break;
                default:
                    return null;
            }
        }
    }
}
