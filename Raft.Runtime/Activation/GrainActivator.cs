using Raft.Runtime.Hosting;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Raft.Runtime.Storage;

namespace Raft.Runtime.Activation;

/// <summary>
/// Creates grain instances: the public constructor with the most parameters, each parameter taken from the
/// silo's services, except IPersistentState&lt;T&gt; parameters marked [PersistentState], which are bound to
/// the named storage provider (registered as a keyed IGrainStorage service; null name = "Default").
/// </summary>
internal sealed class GrainActivator
{
    public const string DefaultStorageName = "Default";
    private readonly IServiceProvider services;

    public GrainActivator(IServiceProvider services) => this.services = services;

    public object CreateInstance(ActivationData activation, List<IPersistentStateBinding> states)
    {
        var type = activation.ClassInfo.GrainClass;
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
            ?? throw new InvalidOperationException($"Grain class {type.Name} has no public constructor.");
        var parameters = constructor.GetParameters();
        var arguments = new object?[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            arguments[i] = Resolve(activation, parameters[i], states);
        }
        try
        {
            return constructor.Invoke(arguments);
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            throw exception.InnerException;
        }
    }

    private object? Resolve(ActivationData activation, ParameterInfo parameter, List<IPersistentStateBinding> states)
    {
        var stateAttribute = parameter.GetCustomAttribute<PersistentStateAttribute>();
        if (stateAttribute is not null)
        {
            var type = parameter.ParameterType;
            if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IPersistentState<>))
            {
                throw new InvalidOperationException($"[PersistentState] parameter '{parameter.Name}' of {activation.ClassInfo.GrainClass.Name} must be an IPersistentState<T>.");
            }
            var storageName = stateAttribute.StorageName ?? DefaultStorageName;
            var storage = services.GetKeyedService<IGrainStorage>(storageName)
                ?? throw new InvalidOperationException($"No grain storage provider named '{storageName}' is registered (needed by {activation.ClassInfo.GrainClass.Name}.{parameter.Name}).");
            var bindingType = typeof(PersistentStateBinding<>).MakeGenericType(type.GetGenericArguments()[0]);
            var binding = (IPersistentStateBinding)System.Activator.CreateInstance(bindingType, activation, stateAttribute.StateName, storage)!;
            states.Add(binding);
            return binding;
        }
        if (parameter.ParameterType == typeof(IGrainFactory))
        {
            return activation.Runtime.GrainFactory;
        }
        var service = services.GetService(parameter.ParameterType);
        if (service is null && !parameter.HasDefaultValue)
        {
            throw new InvalidOperationException($"Cannot create {activation.ClassInfo.GrainClass.Name}: no service of type {parameter.ParameterType.Name} for constructor parameter '{parameter.Name}'.");
        }
        return service ?? parameter.DefaultValue;
    }
}
