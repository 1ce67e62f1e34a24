using System.Collections.Concurrent;
using CsCheck;

namespace Nursery.Tests.Concurrency;

/// <summary>
/// CsCheck linearizability of a <see cref="SharedLoop"/>'s StartLoop / Release / Await / AwaitMultiple (issue 13,
/// tools), against a token-count model: the loop runs whenever a token is held, Await always delivers, and once
/// every token is released the loop has stopped (checked once per sample, when the tokens still held are released).
/// </summary>
public class SharedLoopLinearizabilityTests
{
    [Fact]
    public void StartLoopReleaseAwait_FromManyThreads_AreLinearizable() => Campaign.Linearizable<Actual, Model>(
        [
            Gen.Operation<Actual, Model>(
                "StartLoop",
                a =>
                {
                    a.Tokens.Push(a.Shared.StartLoop());
                    a.Seen.Add("start", a.Shared.IsRunning && a.Shared.Loop.IsRunning ? "running" : "NOT RUNNING");
                },
                m => { m.Tokens++; m.Seen.Add("start", "running"); }),
            Gen.Operation<Actual, Model>(
                "Release",
                a => a.Seen.Add("release", a.Tokens.TryPop(out var token) ? Campaign.OutcomeOf(() => { token.Release(); return "released"; }) : "none"),
                m => m.Seen.Add("release", m.Tokens > 0 && m.Tokens-- > 0 ? $"{Campaign.Ran} released" : "none")),
            Gen.Int[0, 999].Operation<Actual, Model>(
                i => $"Await {i}",
                (a, i) => a.Seen.Add($"await {i}", Campaign.OutcomeOf(() => a.Shared.Await(async _ => { await EventLoop.Yield(); return i; }))),
                (m, i) => m.Seen.Add($"await {i}", $"{Campaign.Ran} {i}")),
            Gen.Int[0, 999].Operation<Actual, Model>(
                i => $"AwaitMultiple {i}",
                (a, i) => a.Seen.Add($"multiple {i}", Campaign.OutcomeOf(() => string.Join(",",
                    a.Shared.AwaitMultiple<int>([_ => Task.FromResult(i), async _ => { await EventLoop.Yield(); return i + 1; }])))),
                (m, i) => m.Seen.Add($"multiple {i}", $"{Campaign.Ran} {i},{i + 1}")),
        ],
        // CsCheck compares permutations on several threads at once: the end of the sample happens once (Finish).
        equal: (a, m) => a.Finish() && a.Seen.Matches(m.Seen));

    public sealed class Actual : ISample
    {
        /// <summary>Releases the tokens still held, once; whether the loop has then stopped.</summary>
        private readonly Lazy<bool> _finished;

        public Actual()
        {
            _finished = new(() =>
            {
                while (Tokens.TryPop(out var token)) token.Release();
                return !Shared.IsRunning && !Shared.Loop.IsRunning;
            });
        }

        public SharedLoop Shared { get; } = new();

        /// <summary>Tokens taken and not released yet; any of them may be released by any thread.</summary>
        public ConcurrentStack<LoopToken> Tokens { get; } = new();

        public Observations Seen { get; } = new();

        /// <summary>Ends the sample (the first caller releases every token, the others wait for it).</summary>
        public bool Finish() => _finished.Value;
    }

    public sealed class Model : ISample
    {
        public int Tokens { get; set; }

        public Observations Seen { get; } = new();
    }
}
