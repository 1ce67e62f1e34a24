namespace Nursery;

/// <summary>A <see cref="TaskManager.StartAsync{T}"/> waiting for its child, as the child sees it.</summary>
internal interface IStartOperation
{
    /// <summary>The child has been made: arm what waits for it (the ready timeout). Loop thread only.</summary>
    void Begin(ChildTask child);

    /// <summary>The child ended before it called Started: StartAsync reports how. Loop thread only.</summary>
    void OnChildEnded();
}
