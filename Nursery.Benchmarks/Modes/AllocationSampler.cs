using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Nursery.Benchmarks.Modes;

/// <summary>
/// Listens to the runtime's GC AllocationTick events: roughly every 100 KB allocated, the type of the object that
/// crossed the mark. Over hundreds of megabytes that is thousands of samples, an unbiased split of bytes by type.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    /// <summary>The GC keyword of the Microsoft-Windows-DotNETRuntime provider.</summary>
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    /// <summary>(when, type, bytes the sample stands for). Written by the listener thread.</summary>
    private readonly ConcurrentQueue<(long Ticks, string Type, long Bytes)> _samples = new();

    public IReadOnlyCollection<(long Ticks, string Type, long Bytes)> Samples => _samples;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal)) return;
        if (eventData.PayloadNames is not { } names || eventData.Payload is not { } payload) return;
        var type = names.IndexOf("TypeName");
        var amount = names.IndexOf("AllocationAmount64");
        if (type < 0 || amount < 0) return;
        _samples.Enqueue((eventData.TimeStamp.ToUniversalTime().Ticks, payload[type] as string ?? "?", Convert.ToInt64(payload[amount], System.Globalization.CultureInfo.InvariantCulture)));
    }
}
