global using Nursery.Tests.Support;
global using Xunit;
global using static Nursery.Tests.Support.Virtual;
