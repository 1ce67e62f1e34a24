// Submit throughput of a LoopThread: N producer threads each submit M trivial work items as fast as they can;
// the figure is end to end (submitted, run on the loop as a child of the host's root manager, returned task
// completed), divided by the wall time from the first submit to the last completion.
//
//   dotnet run -c Release --project tools/SubmitThroughput -- [--producers 1,2] [--count 1000000] [--rounds 3]
using System.Diagnostics;
using Nursery;

var producerCounts = Option("--producers", "1,2").Split(',').Select(int.Parse).ToArray();
var perProducer = int.Parse(Option("--count", "1000000"));
var rounds = int.Parse(Option("--rounds", "3"));

Console.WriteLine($"LoopThread.Submit throughput: {perProducer:N0} submits per producer, best of {rounds} rounds ({Environment.ProcessorCount} cores)");
foreach (var producers in producerCounts)
{
    Measure(producers, perProducer / 10); // warm-up: JIT, tiering, queue segments
    var best = Enumerable.Range(0, rounds).Select(_ => Measure(producers, perProducer)).Max();
    Console.WriteLine($"  {producers} producer(s): {best / 1e6:0.00} M submits/s");
}

static double Measure(int producers, int perProducer)
{
    using var host = new LoopThread();
    host.EnsureRunning();
    var done = Task.FromResult(0);
    Func<CancellationToken, Task<int>> work = _ => done;
    var last = new Task<int>[producers];
    using var go = new Barrier(producers + 1);
    var threads = Enumerable.Range(0, producers).Select(p => new Thread(() =>
    {
        go.SignalAndWait();
        Task<int> task = done;
        for (var i = 0; i < perProducer; i++) task = host.Submit(work);
        last[p] = task;
    }) { IsBackground = true }).ToList();
    threads.ForEach(t => t.Start());
    go.SignalAndWait();
    var clock = Stopwatch.StartNew();
    threads.ForEach(t => t.Join());
    // One producer's submissions run in order, so its last task completes after all of its others.
    Task.WaitAll(last);
    clock.Stop();
    return producers * (double)perProducer / clock.Elapsed.TotalSeconds;
}

string Option(string name, string fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}
