namespace Nursery;

/// <summary>A <see cref="TaskManager.SpawnAsync(Func{CancellationToken, Task})"/> waiting for its child to get a slot.</summary>
internal interface ISlotClaim
{
    /// <summary>The child SpawnAsync is spawning.</summary>
    ChildTask Child { get; }

    /// <summary>The child got its slot: SpawnAsync returns it.</summary>
    void Granted();

    /// <summary>The child ended while it waited (it was cancelled, so its body never ran): SpawnAsync throws.</summary>
    void EndedWaiting();
}
