using System.Globalization;
using CsCheck;

namespace Nursery.Tests.Concurrency;

/// <summary>
/// Settings of the CsCheck concurrency campaign on the loop hosts. In CI each property runs a few seconds; set
/// <c>NURSERY_CSCHECK_ITER</c> for a bigger campaign and <c>NURSERY_CSCHECK_SEED</c> to replay a failure:
/// <code>NURSERY_CSCHECK_ITER=20000 dotnet test Nursery.Tests -c Release --filter "FullyQualifiedName~Nursery.Tests.Concurrency"</code>
/// </summary>
public static class Campaign
{
    /// <summary>Samples per property: small in CI, as many as the environment variable asks for otherwise.</summary>
    public static long Iterations { get; } =
        long.TryParse(Environment.GetEnvironmentVariable("NURSERY_CSCHECK_ITER"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : 150;

    /// <summary>The seed CsCheck printed for a failure, to replay it; null for a fresh random start.</summary>
    public static string? Seed { get; } = Environment.GetEnvironmentVariable("NURSERY_CSCHECK_SEED") is { Length: > 0 } seed ? seed : null;

    /// <summary>How long one operation may wait for a host before the property counts it as hung.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Checks with CsCheck's <c>Check.SampleParallel</c> (model-based)
    /// that <paramref name="operations"/> run on several threads at once on a fresh <typeparamref name="TActual"/>
    /// match a one-at-a-time order of them on a fresh <typeparamref name="TModel"/>, under the hang guard.
    /// <paramref name="equal"/> ends the sample and compares; CsCheck calls it on several threads at once.
    /// </summary>
    public static void Linearizable<TActual, TModel>(GenOperation<TActual, TModel>[] operations, Func<TActual, TModel, bool> equal)
        where TActual : ISample, new()
        where TModel : ISample, new() =>
        Guard.Run(() => Check.SampleParallel(
            Gen.Int.Select(_ => (new TActual(), new TModel())),
            operations,
            equal,
            seed: Seed,
            iter: Iterations,
            printActual: a => a.Seen.ToString(),
            printModel: m => m.Seen.ToString()),
            timeout: TimeSpan.FromHours(1));

    /// <summary>Outcome names shared by the properties.</summary>
    public const string Ran = "ran";
    public const string Refused = "refused";
    public const string Cancelled = "cancelled";
    public const string Hung = "HUNG";

    /// <summary>
    /// The outcome of a work item's task, waited for (bounded): its result, refused (ObjectDisposedException: the host
    /// had stopped), cancelled (a stop overlapped the work), hung, or any other failure by its type.
    /// </summary>
    public static string OutcomeOf<T>(Task<T> task)
    {
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(Patience)) return Hung;
        if (task.IsCanceled) return Cancelled;
        if (task.IsFaulted) return task.Exception!.InnerException is ObjectDisposedException ? Refused : $"failed {task.Exception.InnerException!.GetType().Name}";
        return $"{Ran} {task.Result}";
    }

    /// <summary>The outcome of a call that returns a task, where the call itself may refuse (ObjectDisposedException).</summary>
    public static string OutcomeOfStarting<T>(Func<Task<T>> start)
    {
        Task<T> task;
        try
        {
            task = start();
        }
        catch (ObjectDisposedException)
        {
            return Refused;
        }
        return OutcomeOf(task);
    }

    /// <summary>The outcome of a blocking call: its result, refused, cancelled, or any other failure by its type.</summary>
    public static string OutcomeOf<T>(Func<T> call)
    {
        try
        {
            return $"{Ran} {call()}";
        }
        catch (ObjectDisposedException)
        {
            return Refused;
        }
        catch (OperationCanceledException)
        {
            return Cancelled;
        }
        catch (Exception e)
        {
            return $"failed {e.GetType().Name}";
        }
    }
}
