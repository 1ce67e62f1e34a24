using System;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Nursery.Analyzers;

/// <summary>
/// NURSERY004's fix: <c>var tm = new TaskManager(loop);</c> becomes <c>await using var tm = new TaskManager(loop);</c>,
/// so the manager is joined at the end of its block. Offered only where the analyzer found that valid (a one-variable
/// declaration directly in a block of an async function, never assigned again).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AwaitUsingTaskManagerCodeFix)), Shared]
public sealed class AwaitUsingTaskManagerCodeFix() : NurseryCodeFix(Rules.UnjoinedTaskManagerId, "Join the TaskManager with 'await using var'")
{
    private protected override Func<CancellationToken, Task<Document>>? CreateFix(Document document, SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.ContainsKey(UnjoinedTaskManagerAnalyzer.CanBecomeAwaitUsing)
            || root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<LocalDeclarationStatementSyntax>() is not { } statement)
        {
            return null;
        }
        // The statement's leading trivia (indentation, comments) moves to the new first token.
        var joined = statement
            .WithoutLeadingTrivia()
            .WithAwaitKeyword(SyntaxFactory.Token(SyntaxKind.AwaitKeyword).WithTrailingTrivia(SyntaxFactory.Space))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
            .WithLeadingTrivia(statement.GetLeadingTrivia());
        return _ => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(statement, joined)));
    }
}
