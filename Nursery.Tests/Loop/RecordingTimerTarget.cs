namespace Nursery.Tests.Loop;

/// <summary>A timer-heap entry for testing the heap directly: it only remembers its name and how often it fired.</summary>
internal sealed class RecordingTimerTarget(string name) : ITimerTarget
{
    public string Name { get; } = name;

    public int Fired { get; private set; }

    public int TimerIndex { get; set; } = -1;

    public void OnTimer() => Fired++;

    public override string ToString() => Name;
}
