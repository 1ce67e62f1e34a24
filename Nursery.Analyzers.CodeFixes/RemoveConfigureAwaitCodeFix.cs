using System;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Nursery.Analyzers;

/// <summary>NURSERY002's fix: <c>await x.ConfigureAwait(false)</c> becomes <c>await x</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveConfigureAwaitCodeFix)), Shared]
public sealed class RemoveConfigureAwaitCodeFix() : NurseryCodeFix(Rules.ConfigureAwaitFalseId, "Remove ConfigureAwait(false)")
{
    private protected override Func<CancellationToken, Task<Document>>? CreateFix(Document document, SyntaxNode root, Diagnostic diagnostic)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>()
            is not { Expression: MemberAccessExpressionSyntax member } invocation)
        {
            return null;
        }
        var receiver = member.Expression
            .WithLeadingTrivia(invocation.GetLeadingTrivia())
            .WithTrailingTrivia(invocation.GetTrailingTrivia());
        return _ => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(invocation, receiver)));
    }
}
