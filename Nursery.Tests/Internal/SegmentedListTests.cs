namespace Nursery.Tests.Internal;

/// <summary>A manager's list of children: starts small, grows by doubling, then in fixed segments; order is kept.</summary>
public class SegmentedListTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(511)]
    [InlineData(512)]
    [InlineData(513)]
    [InlineData(1500)]
    public void Add_AnyCount_KeepsEveryItemInOrder(int count)
    {
        var list = new SegmentedList<int>();
        for (var i = 0; i < count; i++) list.Add(i);

        Assert.Equal(count, list.Count);
        Assert.Equal(Enumerable.Range(0, count), list);
        Assert.Equal(Enumerable.Range(0, count), list.ToArray());
        for (var i = 0; i < count; i++) Assert.Equal(i, list[i]);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[count]);
    }

    [Fact]
    public void RemoveAll_AcrossSegments_KeepsTheOthersInOrderAndAddsGoOnAfterThem()
    {
        var list = new SegmentedList<int>();
        for (var i = 0; i < 1300; i++) list.Add(i);

        list.RemoveAll(i => i % 3 != 0); // 434 kept: back inside the first segment
        for (var i = 1300; i < 1310; i++) list.Add(i);

        var expected = Enumerable.Range(0, 1300).Where(i => i % 3 == 0).Concat(Enumerable.Range(1300, 10)).ToArray();
        Assert.Equal(expected, list);
        Assert.Equal(expected.Length, list.Count);
    }
}
