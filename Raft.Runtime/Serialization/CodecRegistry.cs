using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace Raft.Runtime.Serialization;

/// <summary>
/// Builds and caches one codec per type, shared process-wide (codecs hold no per-serializer state; the grain
/// reference converter reaches them through the reader or writer). Lookups are lock-free; building takes one lock
/// so that a type graph is built once, and is published only when every type in it turned out serializable.
/// </summary>
internal static class CodecRegistry
{
    private static readonly ConcurrentDictionary<Type, WireCodec> DeclaredCodecs = new();
    private static readonly ConcurrentDictionary<Type, WireCodec> ConcreteCodecs = new();
    private static readonly Lock BuildGate = new();

    /// <summary>The codec for values declared as <typeparamref name="T"/>, without a dictionary lookup after the first call.</summary>
    public static WireCodec<T> Get<T>() => Typed<T>.Codec ??= (WireCodec<T>)GetCodec(typeof(T));

    /// <summary>The codec for values declared as <paramref name="type"/> (polymorphic when the type does not fix the runtime type).</summary>
    public static WireCodec GetCodec(Type type) => DeclaredCodecs.TryGetValue(type, out var codec) ? codec : Build(type, concrete: false);

    /// <summary>
    /// The codec for values whose runtime type is exactly <paramref name="type"/>, as named by a type tag. Refuses
    /// abstract types, interfaces and anything without a codec: a tag cannot make us create an arbitrary type.
    /// </summary>
    public static WireCodec GetConcreteCodec(Type type) => ConcreteCodecs.TryGetValue(type, out var codec) ? codec : Build(type, concrete: true);

    public static bool IsMarked(Type type) => type.IsDefined(typeof(GenerateSerializerAttribute), inherit: false);

    private static WireCodec Build(Type type, bool concrete)
    {
        ArgumentNullException.ThrowIfNull(type);
        lock (BuildGate)
        {
            var builder = new Builder(type);
            var codec = concrete ? builder.Concrete(type) : builder.Declared(type);
            builder.Publish();
            return codec;
        }
    }

    private static class Typed<T>
    {
        public static WireCodec<T>? Codec;
    }

    /// <summary>
    /// Builds the codecs of one type graph. Codecs under construction are visible to the graph (so recursive types
    /// resolve to themselves) but not to other threads until <see cref="Publish"/>. A failure names the root type
    /// and the member path that led to the unserializable type.
    /// </summary>
    private sealed class Builder(Type root)
    {
        private readonly Dictionary<Type, WireCodec> _declared = [];
        private readonly Dictionary<Type, WireCodec> _concrete = [];
        private readonly List<string> _path = [];

        public void Publish()
        {
            foreach (var (type, codec) in _declared)
            {
                DeclaredCodecs.TryAdd(type, codec);
            }
            foreach (var (type, codec) in _concrete)
            {
                ConcreteCodecs.TryAdd(type, codec);
            }
        }

        public WireCodec Declared(Type type)
        {
            if (DeclaredCodecs.TryGetValue(type, out var codec) || _declared.TryGetValue(type, out codec))
            {
                return codec;
            }
            codec = CreateDeclared(type);
            // A recursive graph may have registered this type meanwhile; keep one instance.
            return _declared.TryAdd(type, codec) ? codec : _declared[type];
        }

        public WireCodec Concrete(Type type)
        {
            if (ConcreteCodecs.TryGetValue(type, out var codec) || _concrete.TryGetValue(type, out codec))
            {
                return codec;
            }
            if (type == typeof(object) || type.IsInterface || type.IsAbstract)
            {
                throw Fail(type, "is not a concrete type");
            }
            codec = IsMarked(type) && !type.IsValueType && !type.IsSealed ? ObjectCodecFor(type) : Declared(type);
            _concrete.TryAdd(type, codec);
            return codec;
        }

        private WireCodec Member(Type type, string segment)
        {
            _path.Add(segment);
            var codec = Declared(type);
            _path.RemoveAt(_path.Count - 1);
            return codec;
        }

        private WireCodec CreateDeclared(Type type)
        {
            if (type.IsPointer || type.IsByRef || type.IsFunctionPointer || type.IsByRefLike)
            {
                throw Fail(type, "is a pointer, by-ref or ref struct type");
            }
            if (type.ContainsGenericParameters)
            {
                throw Fail(type, "is an open generic type");
            }
            if (typeof(Delegate).IsAssignableFrom(type))
            {
                throw Fail(type, "is a delegate");
            }
            if (BuiltIn(type) is { } builtIn)
            {
                return builtIn;
            }
            if (type.IsEnum)
            {
                return Create(typeof(EnumCodec<>), [type]);
            }
            if (Nullable.GetUnderlyingType(type) is { } underlying)
            {
                return Create(typeof(NullableCodec<>), [underlying], Declared(underlying));
            }
            if (type.IsArray)
            {
                if (!type.IsSZArray)
                {
                    throw Fail(type, "is a multi-dimensional array");
                }
                var element = type.GetElementType()!;
                return Create(typeof(ArrayCodec<>), [element], Member(element, "[]"));
            }
            if (type.IsGenericType && Collection(type) is { } collection)
            {
                return collection;
            }
            if (IsTupleLike(type))
            {
                return ObjectCodecFor(type);
            }
            if (typeof(Exception).IsAssignableFrom(type))
            {
                return (WireCodec)typeof(ExceptionCodec<>).MakeGenericType(type).GetProperty("Instance")!.GetValue(null)!;
            }
            if (type.IsInterface && typeof(IAddressable).IsAssignableFrom(type))
            {
                return Create(typeof(GrainReferenceCodec<>), [type]);
            }
            if (type == typeof(object) || type.IsInterface)
            {
                return Create(typeof(PolymorphicCodec<>), [type], [null]);
            }
            if (!IsMarked(type))
            {
                throw Fail(type, type.IsAbstract
                    ? "is abstract and not marked [GenerateSerializer]"
                    : "is not marked [GenerateSerializer] and is not a supported built-in type");
            }
            if (type.IsAbstract)
            {
                // Never instantiated; every value carries the tag of its concrete type.
                return Create(typeof(PolymorphicCodec<>), [type], [null]);
            }
            if (type.IsValueType || type.IsSealed)
            {
                return ObjectCodecFor(type);
            }
            // A non-sealed class: itself without a tag, subclasses with one. Registered first, for recursion.
            var polymorphic = Create(typeof(PolymorphicCodec<>), [type], [null]);
            _declared[type] = polymorphic;
            ((IPolymorphicCodec)polymorphic).SetExact(ObjectCodecFor(type));
            return polymorphic;
        }

        private static WireCodec? BuiltIn(Type type) => Type.GetTypeCode(type) switch
        {
            _ when type.IsEnum => null,
            TypeCode.Boolean => new BooleanCodec(),
            TypeCode.Byte => new ByteCodec(),
            TypeCode.SByte => new SByteCodec(),
            TypeCode.Int16 => new Int16Codec(),
            TypeCode.UInt16 => new UInt16Codec(),
            TypeCode.Int32 => new Int32Codec(),
            TypeCode.UInt32 => new UInt32Codec(),
            TypeCode.Int64 => new Int64Codec(),
            TypeCode.UInt64 => new UInt64Codec(),
            TypeCode.Single => new SingleCodec(),
            TypeCode.Double => new DoubleCodec(),
            TypeCode.Decimal => new DecimalCodec(),
            TypeCode.Char => new CharCodec(),
            TypeCode.String => new StringCodec(),
            TypeCode.DateTime => new DateTimeCodec(),
            _ when type == typeof(byte[]) => new ByteArrayCodec(),
            _ when type == typeof(Guid) => new GuidCodec(),
            _ when type == typeof(TimeSpan) => new TimeSpanCodec(),
            _ when type == typeof(DateTimeOffset) => new DateTimeOffsetCodec(),
            _ => null,
        };

        private WireCodec? Collection(Type type)
        {
            var definition = type.GetGenericTypeDefinition();
            var arguments = type.GetGenericArguments();
            if (definition == typeof(List<>))
            {
                return Create(typeof(ListCodec<>), arguments, Member(arguments[0], "[]"));
            }
            if (definition == typeof(ImmutableArray<>))
            {
                return Create(typeof(ImmutableArrayCodec<>), arguments, Member(arguments[0], "[]"));
            }
            if (definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IEnumerable<>)
                || definition == typeof(ICollection<>) || definition == typeof(IReadOnlyCollection<>))
            {
                return Create(typeof(ListInterfaceCodec<,>), [type, arguments[0]], Member(arguments[0], "[]"));
            }
            if (definition == typeof(Dictionary<,>))
            {
                return Create(typeof(DictionaryCodec<,>), arguments, Member(arguments[0], "[key]"), Member(arguments[1], "[value]"));
            }
            if (definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            {
                return Create(typeof(DictionaryInterfaceCodec<,,>), [type, .. arguments], Member(arguments[0], "[key]"), Member(arguments[1], "[value]"));
            }
            return null;
        }

        /// <summary>Built-in value types that are serialized like a [GenerateSerializer] record of their constructor parameters.</summary>
        private static bool IsTupleLike(Type type)
        {
            if (type == typeof(GrainId))
            {
                return true;
            }
            if (!type.IsGenericType)
            {
                return false;
            }
            var definition = type.GetGenericTypeDefinition();
            return definition == typeof(KeyValuePair<,>)
                || definition == typeof(ValueTuple<,>) || definition == typeof(ValueTuple<,,>) || definition == typeof(ValueTuple<,,,>)
                || definition == typeof(ValueTuple<,,,,>) || definition == typeof(ValueTuple<,,,,,>) || definition == typeof(ValueTuple<,,,,,,>);
        }

        /// <summary>The member-by-member codec of a type, registered before its members are built.</summary>
        private WireCodec ObjectCodecFor(Type type)
        {
            if (_concrete.TryGetValue(type, out var existing))
            {
                return existing;
            }
            var shape = ObjectShape.Describe(type, reason => FailShape(type, reason));
            var codec = Create(typeof(ObjectCodec<>), [type]);
            _concrete[type] = codec;
            if (type.IsValueType || type.IsSealed)
            {
                _declared[type] = codec;
            }
            ((IObjectCodec)codec).Initialize(shape, member => Member(member.Type, "." + member.Name));
            return codec;
        }

        private static WireCodec Create(Type definition, Type[] arguments, params object?[] constructorArguments) =>
            (WireCodec)Activator.CreateInstance(definition.MakeGenericType(arguments), constructorArguments)!;

        /// <summary>The type itself is not serializable ("is a delegate").</summary>
        private WireSerializationException Fail(Type type, string reason)
        {
            var rootName = TypeNames.Display(root);
            if (_path.Count > 0)
            {
                return new WireSerializationException(
                    $"Type {rootName} cannot be serialized: member '{rootName}{string.Concat(_path)}' is of type {TypeNames.Display(type)}, which {reason}.");
            }
            return new WireSerializationException(type == root
                ? $"Type {rootName} cannot be serialized: it {reason}."
                : $"Type {rootName} cannot be serialized: {TypeNames.Display(type)} {reason}.");
        }

        /// <summary>A [GenerateSerializer] type whose members or constructors cannot be used.</summary>
        private WireSerializationException FailShape(Type type, string detail)
        {
            var rootName = TypeNames.Display(root);
            var at = _path.Count > 0 ? $" (at '{rootName}{string.Concat(_path)}')" : "";
            return new WireSerializationException($"Type {rootName} cannot be serialized: {TypeNames.Display(type)}{at}: {detail}.");
        }
    }
}
