using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Nursery.Analyzers;

/// <summary>
/// Decides whether NURSERY005's finding has a mechanical fix: hand the token to the manager (contract section 10)
/// and drop the registration. It has one when the registration is only <c>token.Register(tm.Cancel)</c> or
/// <c>token.Register(() => tm.Cancel())</c> in a <c>using</c> of its own (its variable, if any, unused elsewhere), the
/// token is a parameter, field, property or earlier local, and the manager is <c>new TaskManager(loop)</c> (it becomes
/// <c>new TaskManager(loop, token)</c>) or a <c>TaskManager.RunAsync(body)</c> body parameter (it becomes
/// <c>TaskManager.RunAsync(body, token)</c>). The fix needs the library's outside-token overloads; without them
/// nothing is offered.
/// </summary>
internal static class OutsideTokenFix
{
    /// <summary>Diagnostic property: which call gets the token, <see cref="Constructor"/> or <see cref="RunAsync"/>.</summary>
    public const string Kind = "OutsideTokenFix";

    public const string Constructor = "Constructor";

    public const string RunAsync = "RunAsync";

    /// <summary>
    /// The properties and additional locations of a fixable finding: [0] the manager's creation or the RunAsync call,
    /// [1] the <c>using</c> statement or declaration of the registration. Null when there is no mechanical fix.
    /// </summary>
    public static (ImmutableDictionary<string, string?> Properties, Location[] Locations)? For(
        IInvocationOperation registration, ISymbol manager, List<IOperation> all, NurserySymbols symbols)
    {
        if (registration.Arguments.Length != 1
            || !OnlyCancels(registration.Arguments[0].Value.WalkDownConversions(), manager)
            || RegistrationStatement(registration, all) is not { } statement
            || registration.Instance is not { } token)
        {
            return null;
        }
        var (kind, target) = Target(manager, all, symbols);
        if (target is null || !IsStable(token.WalkDownConversions(), target))
        {
            return null;
        }
        var properties = ImmutableDictionary<string, string?>.Empty.Add(Kind, kind);
        return (properties, [target.GetLocation(), statement.GetLocation()]);
    }

    /// <summary><c>tm.Cancel</c> or <c>() => tm.Cancel()</c>, nothing more.</summary>
    private static bool OnlyCancels(IOperation callback, ISymbol manager) => callback switch
    {
        IDelegateCreationOperation { Target: IMethodReferenceOperation { Method.Name: "Cancel", Instance: { } instance } } =>
            IsManager(instance, manager),
        IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda } =>
            lambda.Body.Operations.Where(o => !(o.IsImplicit && o is IReturnOperation { ReturnedValue: null })).ToArray() is { Length: 1 } statements
            && (statements[0] as IExpressionStatementOperation)?.Operation is IInvocationOperation { TargetMethod.Name: "Cancel", Arguments.Length: 0, Instance: { } target }
            && IsManager(target, manager),
        _ => false,
    };

    private static bool IsManager(IOperation operation, ISymbol manager) => operation.WalkDownConversions() switch
    {
        ILocalReferenceOperation local => SymbolEqualityComparer.Default.Equals(local.Local, manager),
        IParameterReferenceOperation parameter => SymbolEqualityComparer.Default.Equals(parameter.Parameter, manager),
        _ => false,
    };

    /// <summary>The <c>using</c> that exists only for this registration, directly in a block; null otherwise.</summary>
    private static SyntaxNode? RegistrationStatement(IInvocationOperation registration, List<IOperation> all)
    {
        switch (registration.WalkUpConversions())
        {
            case IUsingOperation { Syntax: UsingStatementSyntax { Parent: BlockSyntax, Statement: BlockSyntax } syntax }:
                return syntax;
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } when !IsUsed(declarator.Symbol, all):
                return declarator.Parent?.Parent switch
                {
                    IVariableDeclarationGroupOperation { Parent: IUsingDeclarationOperation { Syntax: LocalDeclarationStatementSyntax { Parent: BlockSyntax, Declaration.Variables.Count: 1 } syntax } } => syntax,
                    IVariableDeclarationGroupOperation { Parent: IUsingOperation { Syntax: UsingStatementSyntax { Parent: BlockSyntax, Statement: BlockSyntax, Declaration.Variables.Count: 1 } syntax } } => syntax,
                    _ => null,
                };
            default:
                return null;
        }
    }

    private static bool IsUsed(ILocalSymbol variable, List<IOperation> all) =>
        all.Any(o => o is ILocalReferenceOperation reference && SymbolEqualityComparer.Default.Equals(reference.Local, variable));

    /// <summary>The call that can take the token: the manager's <c>new TaskManager(loop)</c> or its RunAsync call.</summary>
    private static (string? Kind, SyntaxNode? Node) Target(ISymbol manager, List<IOperation> all, NurserySymbols symbols)
    {
        foreach (var operation in all)
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, manager):
                    return declarator.Initializer?.Value.WalkDownConversions() is IObjectCreationOperation { Constructor: { } constructor } creation
                        && constructor.Parameters.Length == 1 && symbols.IsEventLoop(constructor.Parameters[0].Type)
                        && HasMember(symbols.TaskManager, WellKnownMemberNames.InstanceConstructorName, symbols.EventLoop, symbols.CancellationToken)
                        ? (Constructor, creation.Syntax)
                        : (null, null);
                case IAnonymousFunctionOperation lambda when lambda.Symbol.Parameters.Contains(manager, SymbolEqualityComparer.Default):
                    // RunAsync(body) only: RunAsync<T>(body, token = default) called without the token counts too.
                    return lambda.WalkUpConversions() is IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "RunAsync" } call }
                        && call.Arguments.Count(a => a.ArgumentKind != ArgumentKind.DefaultValue) == 1
                        && symbols.IsTaskManager(call.TargetMethod.ContainingType)
                        && call.TargetMethod.Parameters[0].Type is { } bodyType
                        && HasMember(symbols.TaskManager, "RunAsync", bodyType, symbols.CancellationToken)
                        ? (RunAsync, call.Syntax)
                        : (null, null);
            }
        }
        return (null, null);
    }

    /// <summary>True when the type has a method of that name taking exactly those two parameter types.</summary>
    private static bool HasMember(INamedTypeSymbol type, string name, ITypeSymbol first, ITypeSymbol? second) =>
        second is not null
        && type.GetMembers(name).OfType<IMethodSymbol>().Any(m => m.Parameters.Length == 2
            && SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type.OriginalDefinition, first.OriginalDefinition)
            && SymbolEqualityComparer.Default.Equals(m.Parameters[1].Type, second));

    /// <summary>
    /// True when the token can be read where the manager is created: a parameter, a field or property of this
    /// object or type, or a local declared before the creation (and not inside the RunAsync body).
    /// </summary>
    private static bool IsStable(IOperation token, SyntaxNode target) => token switch
    {
        IParameterReferenceOperation { Parameter.ContainingSymbol: IMethodSymbol { MethodKind: not MethodKind.AnonymousFunction } } => true,
        IParameterReferenceOperation { Parameter: var parameter } => !target.Span.Contains(parameter.Locations[0].SourceSpan),
        IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } => true,
        IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation, Arguments.Length: 0 } => true,
        ILocalReferenceOperation { Local: var local } => local.Locations.Length == 1
            && local.Locations[0].SourceSpan.End <= target.SpanStart,
        _ => false,
    };
}
