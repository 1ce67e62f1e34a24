using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Nursery.Analyzers;

/// <summary>NURSERY002's fix: <c>await x.ConfigureAwait(false)</c> becomes <c>await x</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveConfigureAwaitCodeFix)), Shared]
public sealed class RemoveConfigureAwaitCodeFix : CodeFixProvider
{
    private const string Title = "Remove ConfigureAwait(false)";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [Rules.ConfigureAwaitFalseId];

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not { } node
                || node.FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { Expression: MemberAccessExpressionSyntax member } invocation)
            {
                continue;
            }
            context.RegisterCodeFix(
                CodeAction.Create(Title, ct => RemoveAsync(context.Document, root, invocation, member, ct), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static Task<Document> RemoveAsync(Document document, SyntaxNode root, InvocationExpressionSyntax invocation, MemberAccessExpressionSyntax member, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var receiver = member.Expression
            .WithLeadingTrivia(invocation.GetLeadingTrivia())
            .WithTrailingTrivia(invocation.GetTrailingTrivia());
        return Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(invocation, receiver)));
    }
}
