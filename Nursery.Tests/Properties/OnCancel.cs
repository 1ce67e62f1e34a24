namespace Nursery.Tests.Properties;

/// <summary>What to do when a checkpoint throws because the child was cancelled.</summary>
public enum OnCancel
{
    /// <summary>Let the OperationCanceledException end the child (Cancelled).</summary>
    Propagate,

    /// <summary>Catch it and go on with the next step (the child may still complete).</summary>
    Ignore,

    /// <summary>Throw a fresh Boom instead (a failure during cancellation).</summary>
    Fail,
}
