namespace Nursery.Extensions.Hosting;

/// <summary>
/// Settings of the event loop that <c>services.AddNurseryLoop(...)</c> runs for the host: its clock and how long it
/// waits, on shutdown, for work that ignores cancellation.
/// </summary>
/// <remarks>
/// Configure them in the <c>AddNurseryLoop</c> call or with the options pattern
/// (<c>services.Configure&lt;NurseryLoopOptions&gt;(...)</c>); they are read once, when the loop is created.
/// </remarks>
public sealed class NurseryLoopOptions
{
    /// <summary>The loop's clock; <see langword="null"/> (the default) for a <see cref="SystemClock"/>.</summary>
    public LoopClock? Clock { get; set; }

    /// <summary>
    /// How long the loop, once the host stops, waits for cancelled work to end before it gives up on it (the work's
    /// callers then see it cancelled and the loop thread ends without it); see <see cref="LoopThread.StopTimeout"/>.
    /// <see langword="null"/> (the default) takes the host's <c>HostOptions.ShutdownTimeout</c>, so the loop never
    /// outlasts the host's own patience. Real time, whatever the <see cref="Clock"/>.
    /// </summary>
    public TimeSpan? StopTimeout { get; set; }
}
