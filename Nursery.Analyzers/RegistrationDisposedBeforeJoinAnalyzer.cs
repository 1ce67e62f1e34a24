using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Nursery.Analyzers;

/// <summary>
/// NURSERY005: a <c>CancellationToken.Register</c> whose callback cancels a TaskManager (it uses a local or a
/// RunAsync body parameter of type TaskManager) and whose registration is disposed before that manager is joined:
/// a <c>using var</c> declared after the manager's <c>await using var</c>, a <c>using</c> block that ends before the
/// join, a Dispose/Unregister call before it, or any disposal inside a <c>TaskManager.RunAsync</c> body (its join
/// runs after the body returns). Once the registration is gone, a cancellation during the join is not forwarded.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RegistrationDisposedBeforeJoinAnalyzer : NurseryAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [Rules.RegistrationDisposedBeforeJoin];

    /// <inheritdoc />
    private protected override void Register(CompilationStartAnalysisContext context, NurserySymbols symbols) =>
        context.RegisterOperationBlockAction(block => AnalyzeBlock(block, symbols));

    private static void AnalyzeBlock(OperationBlockAnalysisContext context, NurserySymbols symbols)
    {
        List<IOperation>? all = null;
        foreach (var operation in context.OperationBlocks.AllDescendants())
        {
            if (operation is not IInvocationOperation { TargetMethod.Name: "Register" or "UnsafeRegister" } registration
                || !NurserySymbols.Is(registration.TargetMethod.ContainingType, symbols.CancellationToken))
            {
                continue;
            }
            all ??= [.. context.OperationBlocks.AllDescendants()];
            if (DisposalOf(registration, all) is not { } disposal)
            {
                continue;
            }
            foreach (var manager in ManagersCancelledBy(registration, symbols))
            {
                if (JoinOf(manager, all, symbols) is { } join && disposal.IsDisposedBefore(join))
                {
                    var fix = OutsideTokenFix.For(registration, manager, all, symbols);
                    context.ReportDiagnostic(Diagnostic.Create(
                        Rules.RegistrationDisposedBeforeJoin,
                        registration.Syntax.GetLocation(),
                        fix?.Locations,
                        fix?.Properties,
                        manager.Name));
                    break;
                }
            }
        }
    }

    /// <summary>The TaskManager variables the registration's callback (or its state argument) uses.</summary>
    private static IEnumerable<ISymbol> ManagersCancelledBy(IInvocationOperation registration, NurserySymbols symbols)
    {
        var managers = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var argument in registration.Arguments)
        {
            var value = argument.Value.WalkDownConversions();
            var candidates = value switch
            {
                IDelegateCreationOperation { Target: IAnonymousFunctionOperation lambda } => lambda.Descendants(),
                IDelegateCreationOperation { Target: IMethodReferenceOperation { Instance: { } instance } } => [instance.WalkDownConversions()],
                _ => [value],
            };
            foreach (var candidate in candidates)
            {
                if (candidate is ILocalReferenceOperation or IParameterReferenceOperation && symbols.IsTaskManager(candidate.Type))
                {
                    managers.Add(candidate is ILocalReferenceOperation local ? local.Local : ((IParameterReferenceOperation)candidate).Parameter);
                }
            }
        }
        return managers;
    }

    /// <summary>Where the registration is disposed, or null when it is not disposed in this member.</summary>
    private static DisposalScope? DisposalOf(IInvocationOperation registration, List<IOperation> all)
    {
        switch (registration.WalkUpConversions())
        {
            case IUsingOperation @using:
                return DisposalScope.Of(@using.Syntax);
            case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator }:
                switch (declarator.Parent?.Parent)
                {
                    case IVariableDeclarationGroupOperation { Parent: IUsingDeclarationOperation declaration }:
                        return DisposalScope.OfUsingDeclaration(declaration.Syntax);
                    case IVariableDeclarationGroupOperation { Parent: IUsingOperation @using }:
                        return DisposalScope.Of(@using.Syntax);
                }
                return ExplicitDisposal(declarator.Symbol, registration, all);
            case ISimpleAssignmentOperation { Target: ILocalReferenceOperation local }:
                return ExplicitDisposal(local.Local, registration, all);
            default:
                return null;
        }
    }

    /// <summary>The first Dispose, DisposeAsync or Unregister call on the registration's variable after it is made.</summary>
    private static DisposalScope? ExplicitDisposal(ILocalSymbol variable, IOperation registration, List<IOperation> all) =>
        all.OfType<IInvocationOperation>()
            .Where(call => call.TargetMethod.Name is "Dispose" or "DisposeAsync" or "Unregister"
                && call.Instance?.WalkDownConversions() is ILocalReferenceOperation reference
                && SymbolEqualityComparer.Default.Equals(reference.Local, variable)
                && call.Syntax.SpanStart > registration.Syntax.SpanStart)
            .Select(call => (DisposalScope?)DisposalScope.At(call.Syntax))
            .OrderBy(scope => scope!.Value.Start)
            .FirstOrDefault();

    /// <summary>
    /// Where the manager is joined: its <c>await using</c> (declaration or statement), its first DisposeAsync call,
    /// or, for a <c>TaskManager.RunAsync</c> body's parameter, after the body. Null when it is not joined here.
    /// </summary>
    private static DisposalScope? JoinOf(ISymbol manager, List<IOperation> all, NurserySymbols symbols)
    {
        DisposalScope? earliest = null;
        foreach (var operation in all)
        {
            DisposalScope? join = operation switch
            {
                IAnonymousFunctionOperation lambda when lambda.Symbol.Parameters.Contains(manager, SymbolEqualityComparer.Default)
                    && lambda.WalkUpConversions() is IArgumentOperation { Parameter.ContainingSymbol: IMethodSymbol { Name: "RunAsync" } runAsync }
                    && symbols.IsTaskManager(runAsync.ContainingType) => DisposalScope.Of(lambda.Syntax),
                IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, manager) => declarator.Parent?.Parent switch
                {
                    IVariableDeclarationGroupOperation { Parent: IUsingDeclarationOperation { IsAsynchronous: true } declaration } => DisposalScope.OfUsingDeclaration(declaration.Syntax),
                    IVariableDeclarationGroupOperation { Parent: IUsingOperation { IsAsynchronous: true } @using } => DisposalScope.Of(@using.Syntax),
                    _ => null,
                },
                ILocalReferenceOperation reference when SymbolEqualityComparer.Default.Equals(reference.Local, manager) => reference.WalkUpConversions() switch
                {
                    IUsingOperation { IsAsynchronous: true } @using => DisposalScope.Of(@using.Syntax),
                    IInvocationOperation { TargetMethod.Name: "DisposeAsync" } call => DisposalScope.At(call.Syntax),
                    _ => null,
                },
                _ => null,
            };
            if (join is { } found && (earliest is null || found.End < earliest.Value.End))
            {
                earliest = found;
            }
        }
        return earliest;
    }
}
