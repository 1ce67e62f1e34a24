using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Nursery.Analyzers;

/// <summary>
/// Decides, for each function in one member (the member's body, its lambdas and local functions), whether it runs on
/// a Nursery loop. A function runs on a loop when it is passed as an async body to a Nursery method (Spawn, Schedule,
/// RunAsync, Submit, Execute, EventLoop.Run, ...), when it calls EventLoop.Sleep or Yield itself, or when it is
/// nested in such code and not handed to something that runs it elsewhere (Task.Run, a Thread, Parallel, ...).
/// Method groups passed as bodies are reported to the caller: a method's own body is decided at the end of its type.
/// </summary>
internal sealed class LoopCodeMap
{
    private readonly NurserySymbols symbols;

    /// <summary>Lambdas and local functions that call EventLoop.Sleep/Yield themselves.</summary>
    private readonly HashSet<IOperation> checkpointingFunctions = [];

    /// <summary>Local functions passed by name as a body, with the role that gives them.</summary>
    private readonly Dictionary<IMethodSymbol, LoopRole> localFunctionBodies = new(SymbolEqualityComparer.Default);

    /// <summary>Roles already worked out, per lambda or local function.</summary>
    private readonly Dictionary<IOperation, LoopRole> roles = [];

    /// <summary>True when the member's own body calls EventLoop.Sleep/Yield.</summary>
    private readonly bool memberCheckpoints;

    public LoopCodeMap(NurserySymbols symbols, ImmutableArray<IOperation> blocks, Action<IMethodSymbol, LoopRole> memberPassedAsBody)
    {
        this.symbols = symbols;
        foreach (var operation in blocks.AllDescendants())
        {
            if (operation is IInvocationOperation invocation && symbols.IsCheckpoint(invocation.TargetMethod))
            {
                var function = invocation.EnclosingFunction();
                if (function is null)
                {
                    memberCheckpoints = true;
                }
                else
                {
                    checkpointingFunctions.Add(function);
                }
            }
            else if (operation is IMethodReferenceOperation { Parent: IDelegateCreationOperation } reference
                && BodyRole(reference) is var role and not LoopRole.NotOnLoop)
            {
                var method = reference.Method.OriginalDefinition;
                if (method.MethodKind == MethodKind.LocalFunction)
                {
                    localFunctionBodies[method] = Stronger(role, localFunctionBodies.TryGetValue(method, out var known) ? known : LoopRole.NotOnLoop);
                }
                else
                {
                    memberPassedAsBody(method, role);
                }
            }
        }
    }

    /// <summary>The role of the function that <paramref name="operation"/> is part of.</summary>
    public LoopRole RoleOf(IOperation operation) => RoleOfFunction(operation.EnclosingFunction());

    /// <summary>Child beats Main beats the undecided roles: a function passed both ways gets the strictest checks.</summary>
    public static LoopRole Stronger(LoopRole a, LoopRole b) => (LoopRole)Math.Max((int)a, (int)b);

    private LoopRole RoleOfFunction(IOperation? function)
    {
        if (function is null)
        {
            return memberCheckpoints ? LoopRole.Child : LoopRole.MemberBody;
        }
        if (roles.TryGetValue(function, out var known))
        {
            return known;
        }
        var role = function switch
        {
            IAnonymousFunctionOperation lambda => RoleOfLambda(lambda),
            ILocalFunctionOperation local => RoleOfLocalFunction(local),
            _ => LoopRole.NotOnLoop,
        };
        roles[function] = role;
        return role;
    }

    private LoopRole RoleOfLambda(IAnonymousFunctionOperation lambda)
    {
        var asBody = BodyRole(lambda);
        if (asBody != LoopRole.NotOnLoop)
        {
            return asBody;
        }
        if (checkpointingFunctions.Contains(lambda))
        {
            return LoopRole.Child;
        }
        return RunsOffLoop(lambda) ? LoopRole.NotOnLoop : RoleOfFunction(lambda.EnclosingFunction());
    }

    private LoopRole RoleOfLocalFunction(ILocalFunctionOperation local)
    {
        if (localFunctionBodies.TryGetValue(local.Symbol.OriginalDefinition, out var asBody))
        {
            return asBody;
        }
        return checkpointingFunctions.Contains(local) ? LoopRole.Child : RoleOfFunction(local.EnclosingFunction());
    }

    /// <summary>
    /// The role a delegate (a lambda or a method group) gets from the parameter it is passed to: an async delegate
    /// parameter of a Nursery method runs on the loop (EventLoop.Run's is the main function, every other a body
    /// under cancellation).
    /// </summary>
    private LoopRole BodyRole(IOperation @delegate)
    {
        if (@delegate.WalkUpConversions() is not IArgumentOperation { Parameter: { } parameter }
            || parameter.ContainingSymbol is not IMethodSymbol method
            || !symbols.IsNurseryApi(method.ContainingType)
            || parameter.Type is not INamedTypeSymbol { DelegateInvokeMethod: { } invoke }
            || !symbols.IsTaskLike(invoke.ReturnType))
        {
            return LoopRole.NotOnLoop;
        }
        return symbols.IsEventLoop(method.ContainingType) && method.Name == "Run" ? LoopRole.Main : LoopRole.Child;
    }

    /// <summary>A lambda handed to an API that runs it on another thread: its code is not loop code.</summary>
    private bool RunsOffLoop(IAnonymousFunctionOperation lambda)
    {
        if (lambda.WalkUpConversions() is not IArgumentOperation { Parameter.ContainingSymbol: IMethodSymbol method })
        {
            return false;
        }
        var type = method.ContainingType.OriginalDefinition;
        return (NurserySymbols.Is(type, symbols.Task) && method.Name == "Run")
            || NurserySymbols.Is(type, symbols.TaskFactory)
            || NurserySymbols.Is(type, symbols.TaskFactoryOfT)
            || NurserySymbols.Is(type, symbols.Parallel)
            || NurserySymbols.Is(type, symbols.Thread)
            || NurserySymbols.Is(type, symbols.ThreadPool)
            || NurserySymbols.Is(type, symbols.Timer);
    }
}
