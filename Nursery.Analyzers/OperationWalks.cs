using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Nursery.Analyzers;

/// <summary>Small walks over the IOperation tree that every Nursery analyzer needs.</summary>
internal static class OperationWalks
{
    /// <summary>The operation under any implicit or explicit conversions (a lambda's delegate creation included).</summary>
    public static IOperation WalkDownConversions(this IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    break;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    break;
                default:
                    return operation;
            }
        }
    }

    /// <summary>The first parent that is not a conversion or a delegate creation around <paramref name="operation"/>.</summary>
    public static IOperation? WalkUpConversions(this IOperation operation)
    {
        var parent = operation.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation or IDelegateCreationOperation)
        {
            parent = parent.Parent;
        }
        return parent;
    }

    /// <summary>
    /// The lambda, anonymous method or local function whose code <paramref name="operation"/> is, or null when it is
    /// in the member's own body.
    /// </summary>
    public static IOperation? EnclosingFunction(this IOperation operation)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return parent;
            }
        }
        return null;
    }

    /// <summary>
    /// Every operation under <paramref name="operation"/> that runs as part of the same function: the bodies of nested
    /// lambdas and local functions are left out (they run when, and where, they are called).
    /// </summary>
    public static IEnumerable<IOperation> DescendantsInSameFunction(this IOperation operation)
    {
        var stack = new Stack<IOperation>();
        foreach (var child in operation.ChildOperations)
        {
            stack.Push(child);
        }
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                continue;
            }
            foreach (var child in current.ChildOperations)
            {
                stack.Push(child);
            }
        }
    }

    /// <summary>Every operation in the member's operation blocks, nested functions included.</summary>
    public static IEnumerable<IOperation> AllDescendants(this IEnumerable<IOperation> roots)
    {
        foreach (var root in roots)
        {
            yield return root;
            foreach (var descendant in root.Descendants())
            {
                yield return descendant;
            }
        }
    }

    /// <summary>True when the operation is the argument of nameof (named, never evaluated).</summary>
    public static bool IsInsideNameOf(this IOperation operation)
    {
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is INameOfOperation)
            {
                return true;
            }
        }
        return false;
    }
}
