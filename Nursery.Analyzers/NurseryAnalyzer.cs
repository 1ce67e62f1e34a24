using Microsoft.CodeAnalysis.Diagnostics;

namespace Nursery.Analyzers;

/// <summary>
/// What every Nursery analyzer does first: run concurrently, skip generated code, and do nothing at all in a
/// compilation that does not reference Nursery. Derived analyzers register their actions with the resolved symbols.
/// </summary>
public abstract class NurseryAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public sealed override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var symbols = NurserySymbols.TryCreate(start.Compilation);
            if (symbols is not null)
            {
                Register(start, symbols);
            }
        });
    }

    /// <summary>Registers the analyzer's actions for a compilation that references Nursery.</summary>
    private protected abstract void Register(CompilationStartAnalysisContext context, NurserySymbols symbols);
}
