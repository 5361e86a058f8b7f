using System.Runtime.CompilerServices;

namespace Raft.Runtime.Serialization;

/// <summary>
/// An enum travels as its underlying integer (zigzag for signed underlying types), so renaming a member is safe
/// and values the reader does not define (flags, newer members) survive the trip.
/// </summary>
internal sealed class EnumCodec<T> : FixedWireTypeCodec<T>
    where T : struct, Enum
{
    private static readonly bool Signed = Type.GetTypeCode(Enum.GetUnderlyingType(typeof(T))) is TypeCode.SByte or TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64;

    public EnumCodec()
        : base(WireType.VarInt)
    {
    }

    public override void WriteBody(ref WireWriter writer, T value)
    {
        if (Signed)
        {
            writer.WriteVarInt64(Unsafe.SizeOf<T>() switch
            {
                1 => Unsafe.As<T, sbyte>(ref value),
                2 => Unsafe.As<T, short>(ref value),
                4 => Unsafe.As<T, int>(ref value),
                _ => Unsafe.As<T, long>(ref value),
            });
        }
        else
        {
            writer.WriteVarUInt64(Unsafe.SizeOf<T>() switch
            {
                1 => Unsafe.As<T, byte>(ref value),
                2 => Unsafe.As<T, ushort>(ref value),
                4 => Unsafe.As<T, uint>(ref value),
                _ => Unsafe.As<T, ulong>(ref value),
            });
        }
    }

    protected override T ReadBody(ref WireReader reader)
    {
        T result = default;
        if (Signed)
        {
            var value = reader.ReadVarInt64();
            switch (Unsafe.SizeOf<T>())
            {
                case 1: Unsafe.As<T, sbyte>(ref result) = NumericRange.ToSByte(value); break;
                case 2: Unsafe.As<T, short>(ref result) = NumericRange.ToInt16(value); break;
                case 4: Unsafe.As<T, int>(ref result) = value is >= int.MinValue and <= int.MaxValue ? (int)value : throw NumericRange.OutOfRange(value, typeof(T)); break;
                default: Unsafe.As<T, long>(ref result) = value; break;
            }
        }
        else
        {
            var value = reader.ReadVarUInt64();
            switch (Unsafe.SizeOf<T>())
            {
                case 1: Unsafe.As<T, byte>(ref result) = NumericRange.ToByte(value); break;
                case 2: Unsafe.As<T, ushort>(ref result) = NumericRange.ToUInt16(value); break;
                case 4: Unsafe.As<T, uint>(ref result) = value <= uint.MaxValue ? (uint)value : throw NumericRange.OutOfRange(value, typeof(T)); break;
                default: Unsafe.As<T, ulong>(ref result) = value; break;
            }
        }
        return result;
    }
}
