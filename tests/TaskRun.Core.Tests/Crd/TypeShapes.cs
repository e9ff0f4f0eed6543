using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace TaskRun.Core.Tests.Crd;

/// <summary>
/// Reads the shape of a C# API type by reflection, the way KubeJson serializes it: JSON names from
/// [JsonPropertyName], nested classes recursively, lists as arrays, [Required] as required.
/// A type it does not know fails loudly, so a new kind of field cannot slip past the drift test.
/// </summary>
internal static class TypeShapes
{
    /// <summary>
    /// KubernetesClient's models carry no [Required]; these are the required fields the CRD states for them.
    /// V1Condition: metav1.Condition's contract, relaxed to what the seed's example sets (type and status).
    /// </summary>
    private static readonly Dictionary<Type, string[]> ModelRequired = new()
    {
        [typeof(V1Condition)] = ["type", "status"],
        [typeof(V1ResourceRequirements)] = [],
    };

    /// <summary>Model fields the CRD leaves out on purpose, and why.</summary>
    private static readonly Dictionary<Type, string[]> ModelFieldsNotInCrd = new()
    {
        // Dynamic resource allocation claims arrived in Kubernetes 1.26: the 1.20 API server has no such field.
        [typeof(V1ResourceRequirements)] = ["claims"],
    };

    public static ObjectShape Of(Type type) =>
        ObjectOf(type) ?? throw new NotSupportedException($"{type.Name} is not an object type");

    private static FieldShape ShapeOf(Type type, string source)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return new ScalarShape(source, "string", null);
        }

        if (type == typeof(long))
        {
            return new ScalarShape(source, "integer", "int64");
        }

        if (type == typeof(int))
        {
            return new ScalarShape(source, "integer", "int32");
        }

        if (type == typeof(double))
        {
            return new ScalarShape(source, "number", null);
        }

        if (type == typeof(bool))
        {
            return new ScalarShape(source, "boolean", null);
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return new ScalarShape(source, "string", "date-time");
        }

        if (type == typeof(V1ObjectMeta))
        {
            return new OpaqueObjectShape(source);
        }

        if (IsQuantityMap(type))
        {
            return new QuantityMapShape(source);
        }

        if (ListItemType(type) is { } itemType)
        {
            return new ArrayShape(source, ShapeOf(itemType, source + "[]"));
        }

        return ObjectOf(type, source)
            ?? throw new NotSupportedException($"{source} has type {type}, which the CRD drift test cannot map to a schema yet: teach TypeShapes about it");
    }

    private static ObjectShape? ObjectOf(Type type, string? source = null)
    {
        if (!type.IsClass || type.Namespace is not ("TaskRun.Core.Api" or "k8s.Models"))
        {
            return null;
        }

        var left = ModelFieldsNotInCrd.GetValueOrDefault(type) ?? [];
        var properties = new Dictionary<string, FieldShape>(StringComparer.Ordinal);
        var required = new List<string>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonIgnoreAttribute>() is not null)
            {
                continue;
            }

            var name = JsonName(property);
            if (left.Contains(name))
            {
                continue;
            }

            properties[name] = ShapeOf(property.PropertyType, $"{type.Name}.{property.Name}");
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                required.Add(name);
            }
        }

        if (type.Namespace == "k8s.Models")
        {
            required = [.. ModelRequired.GetValueOrDefault(type)
                ?? throw new NotSupportedException($"{type.Name} is a KubernetesClient model: state its required fields in TypeShapes.ModelRequired")];
        }

        return new ObjectShape(source ?? type.Name, properties, required);
    }

    private static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    private static bool IsQuantityMap(Type type)
    {
        if (!type.IsGenericType)
        {
            return false;
        }

        var definition = type.GetGenericTypeDefinition();
        var arguments = type.GetGenericArguments();
        return (definition == typeof(IDictionary<,>) || definition == typeof(Dictionary<,>) || definition == typeof(IReadOnlyDictionary<,>)) &&
               arguments[0] == typeof(string) && arguments[1] == typeof(ResourceQuantity);
    }

    private static Type? ListItemType(Type type)
    {
        if (type == typeof(string) || !type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>) ||
               definition == typeof(ICollection<>) || definition == typeof(IEnumerable<>)
            ? type.GetGenericArguments()[0]
            : null;
    }
}
