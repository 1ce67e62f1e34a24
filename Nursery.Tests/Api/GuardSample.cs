namespace Nursery.Tests.Api.Sample;

/// <summary>
/// A fixture for <see cref="PublicApiGuardTests"/>: each guard must find exactly what it looks for here, so none of
/// them can pass by looking at nothing. Nested so that the file holds one top-level type; only the members with a
/// summary here are documented.
/// </summary>
public static class GuardSample
{
    public enum Options
    {
        None,
    }

    public delegate void Callback();

    public interface IShape;

    public readonly struct Point;

    /// <summary>Sealed and documented, with a documented constructor.</summary>
    public sealed class Documented
    {
        /// <summary>Creates one.</summary>
        public Documented()
        {
        }
    }

    public abstract class Base
    {
        protected Base()
        {
        }
    }

    // No constructor declared: the compiler adds a public one that has no XML docs and that CS1591 never reports.
    public class Open : Base;

    public record Rec(string Name);

#nullable disable
    public sealed class Oblivious
    {
        public string Echo(string text, int count) => text + count;

        public List<string> Names { get; } = [];
    }
#nullable restore
}
