using System;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace Nursery.Analyzers;

/// <summary>
/// NURSERY005's fix: the manager owns the registration. <c>new TaskManager(loop)</c> becomes
/// <c>new TaskManager(loop, token)</c>, or <c>TaskManager.RunAsync(body)</c> becomes
/// <c>TaskManager.RunAsync(body, token)</c>, and the <c>using</c> of the registration goes (a <c>using</c> block
/// leaves its statements in place). Offered only where the analyzer found this mechanical (see OutsideTokenFix).
/// Note the contract's rule: when the token fires during the join, the join then throws OperationCanceledException.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(OutsideTokenCodeFix)), Shared]
public sealed class OutsideTokenCodeFix() : NurseryCodeFix(Rules.RegistrationDisposedBeforeJoinId, "Pass the token to the TaskManager")
{
    private protected override Func<CancellationToken, Task<Document>>? CreateFix(Document document, SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.ContainsKey(OutsideTokenFix.Kind)
            || diagnostic.AdditionalLocations.Count != 2
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { Expression: MemberAccessExpressionSyntax register }
            || root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true) is not { } target
            || root.FindNode(diagnostic.AdditionalLocations[1].SourceSpan) is not StatementSyntax statement)
        {
            return null;
        }
        return ct => FixAsync(document, register.Expression, target, statement, ct);
    }

    private static async Task<Document> FixAsync(Document document, ExpressionSyntax token, SyntaxNode target, StatementSyntax statement, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        if (target.FirstAncestorOrSelf<SyntaxNode>(n => n is BaseObjectCreationExpressionSyntax or InvocationExpressionSyntax) is not { } call)
        {
            return document;
        }
        // The statement first: for RunAsync it is inside the call, which the callback below then sees edited.
        if (statement is UsingStatementSyntax { Statement: BlockSyntax body })
        {
            // The block's statements stay where the using was, re-indented one level out.
            editor.InsertBefore(statement, body.Statements.Select(s => s.WithAdditionalAnnotations(Formatter.Annotation)));
        }
        editor.RemoveNode(statement, SyntaxRemoveOptions.KeepUnbalancedDirectives);
        var argument = SyntaxFactory.Argument(token.WithoutTrivia());
        editor.ReplaceNode(call, (current, _) => current switch
        {
            BaseObjectCreationExpressionSyntax { ArgumentList: { } arguments } creation => creation.WithArgumentList(arguments.AddArguments(argument)),
            InvocationExpressionSyntax invocation => invocation.WithArgumentList(invocation.ArgumentList.AddArguments(argument)),
            _ => current,
        });
        return editor.GetChangedDocument();
    }
}
