using System.Linq.Expressions;
using System.Reflection;
using System.Reflection.Emit;

namespace Raft.Runtime.Serialization;

/// <summary>Reads a member. By ref so that struct owners are not copied per member.</summary>
internal delegate TMember RefGetter<TOwner, TMember>(ref TOwner owner);

/// <summary>Writes a member. By ref so that it works on struct owners.</summary>
internal delegate void RefSetter<TOwner, TMember>(ref TOwner owner, TMember value);

/// <summary>
/// Compiles member accessors and constructors once per type, so the per-value paths are delegate calls rather
/// than reflection (PropertyInfo.GetValue boxes and is an order of magnitude slower).
/// </summary>
internal static class Accessors
{
    public static RefGetter<TOwner, TMember> Getter<TOwner, TMember>(MemberInfo member)
    {
        var owner = Expression.Parameter(typeof(TOwner).MakeByRefType(), "owner");
        Expression access = member switch
        {
            PropertyInfo property => Expression.Property(owner, property),
            FieldInfo field => Expression.Field(owner, field),
            _ => throw new ArgumentException($"{member} is neither a property nor a field.", nameof(member)),
        };
        return Expression.Lambda<RefGetter<TOwner, TMember>>(access, owner).Compile();
    }

    /// <summary>A property setter (init-only included), or a field setter (readonly included).</summary>
    public static RefSetter<TOwner, TMember> Setter<TOwner, TMember>(MemberInfo target)
    {
        if (target is FieldInfo field)
        {
            return FieldSetter<TOwner, TMember>(field);
        }
        var property = (PropertyInfo)target;
        var owner = Expression.Parameter(typeof(TOwner).MakeByRefType(), "owner");
        var value = Expression.Parameter(typeof(TMember), "value");
        var assign = Expression.Assign(Expression.Property(owner, property), value);
        return Expression.Lambda<RefSetter<TOwner, TMember>>(assign, owner, value).Compile();
    }

    /// <summary>
    /// Expression trees refuse to assign readonly fields (get-only auto-property backing fields, readonly fields),
    /// so fields are set with a two-instruction dynamic method instead.
    /// </summary>
    private static RefSetter<TOwner, TMember> FieldSetter<TOwner, TMember>(FieldInfo field)
    {
        var method = new DynamicMethod(
            "set_" + field.Name,
            typeof(void),
            [typeof(TOwner).MakeByRefType(), typeof(TMember)],
            typeof(Accessors).Module,
            skipVisibility: true);
        var il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        if (!typeof(TOwner).IsValueType)
        {
            il.Emit(OpCodes.Ldind_Ref);
        }
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Stfld, field);
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<RefSetter<TOwner, TMember>>();
    }

    /// <summary>
    /// Compiles "new T(slot0.Value, slot1.Value, …)" over the read slots; a null constructor means default(T)
    /// for a struct without a matching constructor.
    /// </summary>
    public static Func<Slot[], T> Constructor<T>(ConstructorInfo? constructor, IReadOnlyList<(int Slot, Type MemberType)> arguments)
    {
        var slots = Expression.Parameter(typeof(Slot[]), "slots");
        Expression body;
        if (constructor is null)
        {
            body = Expression.New(typeof(T));
        }
        else
        {
            var parameters = constructor.GetParameters();
            var args = new Expression[parameters.Length];
            for (var i = 0; i < parameters.Length; i++)
            {
                var (slot, memberType) = arguments[i];
                var slotType = typeof(Slot<>).MakeGenericType(memberType);
                Expression value = Expression.Field(
                    Expression.Convert(Expression.ArrayIndex(slots, Expression.Constant(slot)), slotType),
                    nameof(Slot<int>.Value));
                if (parameters[i].ParameterType != memberType)
                {
                    value = Expression.Convert(value, parameters[i].ParameterType);
                }
                args[i] = value;
            }
            body = Expression.New(constructor, args);
        }
        return Expression.Lambda<Func<Slot[], T>>(body, slots).Compile();
    }
}
