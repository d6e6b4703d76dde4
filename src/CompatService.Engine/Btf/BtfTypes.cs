namespace CompatService.Engine.Btf;

// BTF types as sealed classes. They refer to other types by BtfTypeId (the graph is cyclic and decoded
// lazily), so two types are the same when they are the same object from the same BtfSpec.

public abstract class BtfType
{
    protected BtfType(BtfTypeId id, string name) { Id = id; Name = name; }
    public BtfTypeId Id { get; }
    /// <summary>The type's name; empty for anonymous types.</summary>
    public string Name { get; }
    public abstract BtfKind Kind { get; }
    public override string ToString() => $"[{Id}] {Kind.ToString().ToUpperInvariant()} '{Name}'";
}

/// <summary>INT: encoding bits SIGNED=1, CHAR=2, BOOL=4.</summary>
public sealed class BtfInt(BtfTypeId id, string name, uint size, byte encoding, byte bitOffset, byte bits) : BtfType(id, name)
{
    public override BtfKind Kind => BtfKind.Int;
    public uint Size { get; } = size;
    public byte Encoding { get; } = encoding;
    public byte BitOffset { get; } = bitOffset;
    public byte Bits { get; } = bits;
    public bool IsSigned => (Encoding & 1) != 0;
    /// <summary>A bitfield int (libbpf's compat rules treat these specially).</summary>
    public bool IsBitfield => BitOffset != 0 || Bits != Size * 8;
}

public sealed class BtfPtr(BtfTypeId id, BtfTypeId target) : BtfType(id, string.Empty)
{
    public override BtfKind Kind => BtfKind.Ptr;
    public BtfTypeId Target { get; } = target;
}

public sealed class BtfArray(BtfTypeId id, BtfTypeId elementType, BtfTypeId indexType, uint count) : BtfType(id, string.Empty)
{
    public override BtfKind Kind => BtfKind.Array;
    public BtfTypeId ElementType { get; } = elementType;
    public BtfTypeId IndexType { get; } = indexType;
    public uint Count { get; } = count;
}

public readonly record struct BtfMember(string Name, BtfTypeId Type, uint BitOffset, uint BitfieldSize);

/// <summary>STRUCT or UNION.</summary>
public sealed class BtfComposite(BtfTypeId id, string name, bool isUnion, uint size, IReadOnlyList<BtfMember> members) : BtfType(id, name)
{
    public override BtfKind Kind => IsUnion ? BtfKind.Union : BtfKind.Struct;
    public bool IsUnion { get; } = isUnion;
    public uint Size { get; } = size;
    public IReadOnlyList<BtfMember> Members { get; } = members;
}

public readonly record struct BtfEnumValue(string Name, long Value);

/// <summary>ENUM or ENUM64 (<see cref="Is64"/>).</summary>
public sealed class BtfEnum(BtfTypeId id, string name, bool is64, uint size, bool isSigned, IReadOnlyList<BtfEnumValue> values) : BtfType(id, name)
{
    public override BtfKind Kind => Is64 ? BtfKind.Enum64 : BtfKind.Enum;
    public bool Is64 { get; } = is64;
    public uint Size { get; } = size;
    public bool IsSigned { get; } = isSigned;
    public IReadOnlyList<BtfEnumValue> Values { get; } = values;
}

public sealed class BtfFwd(BtfTypeId id, string name, bool isUnion) : BtfType(id, name)
{
    public override BtfKind Kind => BtfKind.Fwd;
    public bool IsUnion { get; } = isUnion;
}

/// <summary>TYPEDEF, VOLATILE, CONST, RESTRICT and TYPE_TAG: a name or qualifier over another type.</summary>
public sealed class BtfAlias(BtfTypeId id, string name, BtfKind kind, BtfTypeId target) : BtfType(id, name)
{
    public override BtfKind Kind { get; } = kind;
    public BtfTypeId Target { get; } = target;
}

public enum BtfLinkage : uint { Static = 0, Global = 1, Extern = 2 }

/// <summary>FUNC and VAR: a named declaration with a linkage (static, global, extern).</summary>
public abstract class BtfDeclaration(BtfTypeId id, string name, BtfLinkage linkage) : BtfType(id, name)
{
    public BtfLinkage Linkage { get; } = linkage;
}

public sealed class BtfFunc(BtfTypeId id, string name, BtfTypeId proto, BtfLinkage linkage) : BtfDeclaration(id, name, linkage)
{
    public override BtfKind Kind => BtfKind.Func;
    public BtfTypeId Proto { get; } = proto;
}

public readonly record struct BtfParam(string Name, BtfTypeId Type);

public sealed class BtfFuncProto(BtfTypeId id, BtfTypeId returnType, IReadOnlyList<BtfParam> parameters, bool isVariadic) : BtfType(id, string.Empty)
{
    public override BtfKind Kind => BtfKind.FuncProto;
    public BtfTypeId ReturnType { get; } = returnType;
    /// <summary>Parameters without the trailing variadic marker (a void-typed unnamed last param).</summary>
    public IReadOnlyList<BtfParam> Parameters { get; } = parameters;
    public bool IsVariadic { get; } = isVariadic;
}

public sealed class BtfVar(BtfTypeId id, string name, BtfTypeId type, BtfLinkage linkage) : BtfDeclaration(id, name, linkage)
{
    public override BtfKind Kind => BtfKind.Var;
    public BtfTypeId Type { get; } = type;
}

public readonly record struct BtfVarSecInfo(BtfTypeId Type, uint Offset, uint Size);

public sealed class BtfDatasec(BtfTypeId id, string name, uint size, IReadOnlyList<BtfVarSecInfo> vars) : BtfType(id, name)
{
    public override BtfKind Kind => BtfKind.Datasec;
    public uint Size { get; } = size;
    public IReadOnlyList<BtfVarSecInfo> Vars { get; } = vars;
}

public sealed class BtfFloat(BtfTypeId id, string name, uint size) : BtfType(id, name)
{
    public override BtfKind Kind => BtfKind.Float;
    public uint Size { get; } = size;
}

/// <summary>DECL_TAG: <see cref="ComponentIndex"/> is -1 for the declaration itself, else a member / param index.</summary>
public sealed class BtfDeclTag(BtfTypeId id, string name, BtfTypeId target, int componentIndex) : BtfType(id, name)
{
    public override BtfKind Kind => BtfKind.DeclTag;
    public BtfTypeId Target { get; } = target;
    public int ComponentIndex { get; } = componentIndex;
}

/// <summary>Type id 0: <c>void</c>. <see cref="BtfSpec.GetType"/> returns <see cref="Instance"/> for it.</summary>
public sealed class BtfVoid : BtfType
{
    public static readonly BtfVoid Instance = new();
    private BtfVoid() : base(BtfTypeId.Void, string.Empty) { }
    public override BtfKind Kind => BtfKind.Unknown;
    public override string ToString() => "[0] void";
}
