namespace Nursery.Tests.Support;

/// <summary>A distinctive exception for failure tests.</summary>
public sealed class Boom(string tag) : Exception($"boom: {tag}")
{
    public string Tag { get; } = tag;
}
