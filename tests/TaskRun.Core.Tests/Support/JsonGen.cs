using System.Collections.Immutable;
using System.Text.Json.Nodes;
using CsCheck;

namespace TaskRun.Core.Tests.Support;

/// <summary>Small combinators to generate JSON objects whose keys may each be absent.</summary>
internal static class JsonGen
{
    /// <summary>Text mixing ASCII, 2-, 3- and 4-byte UTF-8 characters, JSON-special characters and newlines.</summary>
    public static readonly Gen<string> UnicodeText =
        Gen.OneOf("a", "Z", "7", " ", "#", "é", "ß", "€", "中", "😀", "🧪", "\n", "\t", "\"", "\\", "{", "}", "<", "&", "'", "`", "$(", ")", "/")
            .Array[0, 40]
            .Select(string.Concat);

    /// <summary>A DNS-1123 label such as Kubernetes names are made of.</summary>
    public static readonly Gen<string> DnsLabel =
        Gen.Select(Gen.Char["abcdefghijklmnopqrstuvwxyz"], Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"], 0, 20], Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"])
            .Select((first, middle, last) => first + middle + last);

    public static readonly Gen<string> RfcTime =
        Gen.DateTime[new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc)]
            .Select(t => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));

    public static Gen<JsonNode?> Str(Gen<string> gen) => gen.Select(s => (JsonNode?)JsonValue.Create(s));

    public static Gen<JsonNode?> Long(Gen<long> gen) => gen.Select(v => (JsonNode?)JsonValue.Create(v));

    public static Gen<JsonNode?> Int(Gen<int> gen) => gen.Select(v => (JsonNode?)JsonValue.Create(v));

    public static Gen<JsonNode?> Bool() => Gen.Bool.Select(v => (JsonNode?)JsonValue.Create(v));

    public static Gen<JsonNode?> StringMap(Gen<string> keys, Gen<string> values, int min, int max) =>
        Gen.Dictionary(keys, values)[min, max].Select(d =>
        {
            var map = new JsonObject();
            foreach (var (k, v) in d)
            {
                map[k] = v;
            }

            return (JsonNode?)map;
        });

    public static Gen<JsonNode?> Array(Gen<JsonNode?> items, int min, int max) =>
        items.Array[min, max].Select(a => (JsonNode?)new JsonArray(a));

    /// <summary>A property present three times in four, absent otherwise.</summary>
    public static Gen<KeyValuePair<string, JsonNode?>?> Field(string key, Gen<JsonNode?> value, int presentWeight = 3, int absentWeight = 1) =>
        Gen.Frequency(
            (absentWeight, Gen.Const((KeyValuePair<string, JsonNode?>?)null)),
            (presentWeight, value.Select(v => (KeyValuePair<string, JsonNode?>?)new KeyValuePair<string, JsonNode?>(key, v))));

    /// <summary>A property that is always present.</summary>
    public static Gen<KeyValuePair<string, JsonNode?>?> Required(string key, Gen<JsonNode?> value) => Field(key, value, 1, 0);

    public static Gen<JsonNode?> Object(params Gen<KeyValuePair<string, JsonNode?>?>[] fields) =>
        fields
            .Aggregate(
                Gen.Const(ImmutableList<KeyValuePair<string, JsonNode?>?>.Empty),
                (acc, field) => acc.Select(field, (list, kv) => list.Add(kv)))
            .Select(list =>
            {
                var obj = new JsonObject();
                foreach (var kv in list)
                {
                    if (kv is { } present)
                    {
                        obj[present.Key] = present.Value;
                    }
                }

                return (JsonNode?)obj;
            });

    /// <summary>A copy with every object's keys in ordinal order, as the API server (Go's encoding/json) writes them.</summary>
    public static JsonNode? SortKeys(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new KeyValuePair<string, JsonNode?>(p.Key, SortKeys(p.Value)))),
        JsonArray array => new JsonArray(array.Select(SortKeys).ToArray()),
        _ => node?.DeepClone(),
    };
}
