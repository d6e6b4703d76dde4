using CompatService.Engine.Analysis;

namespace CompatService.Engine.Object;

public sealed partial class BpfObject
{
    /// <summary>This object's reachability walks, remembered across kernels (<see cref="WalkMemo"/>).</summary>
    internal WalkMemo Walks { get; } = new();
}
