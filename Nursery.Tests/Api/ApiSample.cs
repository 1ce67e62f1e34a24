using System.Diagnostics.CodeAnalysis;

namespace Nursery.Tests.Api.Sample;

/// <summary>
/// A fixture with every kind of declaration the API listing has to write (nested so that the file holds one
/// top-level type). <see cref="PublicApiWriterTests"/> pins how each one comes out.
/// </summary>
public static class ApiSample
{
    public const int Answer = 42;
    public static readonly string? Maybe = null;

    public static int Twice(this int value) => value * 2;

    [Flags]
    public enum Options : byte
    {
        None = 0,
        A = 1,
        B = 2,
    }

    public delegate TResult Mapper<in T, out TResult>(T item) where T : class?;

    public interface IShape<in TIn, out TOut> where TIn : notnull
    {
        event EventHandler? Changed;

        int this[int index] { get; }

        TOut Convert(TIn input);
    }

    public abstract class Base
    {
        protected Base()
        {
        }

        public int Count { get; protected set; }

        public virtual string Describe() => "";

        protected internal abstract void Hook();

        private protected void Hidden()
        {
        }
    }

    public class Derived(int x = 1, string? name = null, Options options = Options.A, CancellationToken cancellationToken = default) : Base, IDisposable
    {
        public event EventHandler<int>? Ticked
        {
            add { }
            remove { }
        }

        public new int Count => x + (name?.Length ?? 0) + (int)options + (cancellationToken.CanBeCanceled ? 1 : 0);

        public string? this[string key] => key;

        public sealed override string Describe() => "derived";

        public void Dispose() => GC.SuppressFinalize(this);

        protected internal override void Hook()
        {
        }

        protected virtual void OnTicked()
        {
        }
    }

    public sealed class Methods
    {
        public required string Name { get; init; }

        public static Methods operator +(Methods a, Methods b) => a;

        public static implicit operator int(Methods m) => 0;

        public T? FirstOrDefault<T>(IEnumerable<T> items) where T : class => items.FirstOrDefault();

        public bool TryGet(string key, [NotNullWhen(true)] out string? value) => (value = key) is not null;

        public void Refs(ref int a, in TimeSpan b, out int c, params string[] rest) => c = a + b.Seconds + rest.Length;

        public Dictionary<string, List<int?>?> Nested(int[]? a, string?[] b, (int, string?) pair, T2[] generic) => [];

        public Task<T> Generic<T>() where T : struct => Task.FromResult(default(T));

        public U Unmanaged<U>() where U : unmanaged, IComparable<U> => default;

        [Obsolete("Use Refs.")]
        public void Old()
        {
        }

        public sealed class T2;
    }

    public readonly struct Point(int x)
    {
        public int X { get; } = x;
    }

    public record Rec(string Name);
}
