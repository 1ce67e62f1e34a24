using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Nursery;

/// <summary>The reading half of a <see cref="LoopChannel{T}"/>: every wait is a checkpoint and resumes on the loop.</summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class LoopChannelReader<T>(LoopChannel<T> channel) : ChannelReader<T>
{
    /// <inheritdoc />
    public override Task Completion => channel.Completion;

    /// <inheritdoc />
    public override bool CanCount => true;

    /// <inheritdoc />
    public override int Count => channel.Count;

    /// <inheritdoc />
    public override bool CanPeek => true;

    /// <inheritdoc />
    public override bool TryRead(out T item) => channel.TryRead(out item);

    /// <inheritdoc />
    public override bool TryPeek(out T item) => channel.TryPeek(out item);

    /// <inheritdoc />
    public override ValueTask<T> ReadAsync(CancellationToken cancellationToken = default) => channel.ReadAsync(cancellationToken);

    /// <inheritdoc />
    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => channel.WaitToReadAsync(cancellationToken);

    /// <summary>
    /// Every item until the channel is completed and drained. Unlike the BCL's (WaitToReadAsync, then TryRead, resuming
    /// on the thread pool), each wait here is a place in the FIFO queue of readers, so several consumers take turns.
    /// </summary>
    /// <param name="cancellationToken">Ends the enumeration with <see cref="OperationCanceledException"/>.</param>
    /// <returns>The items, in the order they were written.</returns>
    public override async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            channel.Checkpoint();
            cancellationToken.ThrowIfCancellationRequested();
            // The buffer holds items only while no reader waits, so taking one here overtakes nobody.
            if (!channel.TryRead(out var item))
            {
                var ended = false;
                try
                {
                    item = await channel.ReadAsync(cancellationToken);
                }
                catch (ChannelClosedException closed) when (channel.EndsCleanly(closed))
                {
                    ended = true;
                }
                catch (ChannelClosedException) when (channel.CompletionError is { } error)
                {
                    ExceptionDispatchInfo.Throw(error); // the writer's error itself, as the BCL's ReadAllAsync throws it
                }
                if (ended) yield break;
            }
            yield return item;
        }
    }
}
