using System.Threading.Channels;

namespace Nursery;

/// <summary>The writing half of a <see cref="LoopChannel{T}"/>: a full channel makes writers wait FIFO, as checkpoints.</summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class LoopChannelWriter<T>(LoopChannel<T> channel) : ChannelWriter<T>
{
    /// <inheritdoc />
    public override bool TryWrite(T item) => channel.TryWrite(item);

    /// <inheritdoc />
    public override ValueTask WriteAsync(T item, CancellationToken cancellationToken = default) => channel.WriteAsync(item, cancellationToken);

    /// <inheritdoc />
    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken = default) => channel.WaitToWriteAsync(cancellationToken);

    /// <inheritdoc />
    public override bool TryComplete(Exception? error = null) => channel.TryComplete(error);
}
