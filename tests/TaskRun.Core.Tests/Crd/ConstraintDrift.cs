using System.Text.Json.Nodes;

namespace TaskRun.Core.Tests.Crd;

/// <summary>
/// Compares the value validations a schema states with the expected ones, both ways: a missing, extra or
/// different enum, bound, length or pattern is one line each (empty when they agree).
/// </summary>
internal static class ConstraintDrift
{
    public static IReadOnlyList<SchemaConstraint> Collect(JsonObject schema) =>
    [
        .. from node in SchemaNodes.All(schema)
           from keyword in SchemaConstraint.Keywords
           where node.Node.ContainsKey(keyword)
           select new SchemaConstraint(node.Path, keyword, node.Node[keyword]!.DeepClone()),
    ];

    public static IReadOnlyList<string> Compare(JsonObject schema, IReadOnlyList<SchemaConstraint> expected)
    {
        var actual = Collect(schema).ToDictionary(c => (c.Path, c.Keyword));
        var drift = new List<string>();
        foreach (var want in expected)
        {
            if (!actual.Remove((want.Path, want.Keyword), out var have))
            {
                drift.Add($"{want.Path}: the schema has no {want.Keyword}; the C# constants say {want.Value.ToJsonString()}");
            }
            else if (have.Value.ToJsonString() != want.Value.ToJsonString())
            {
                drift.Add($"{want.Path}: {want.Keyword} is {have.Value.ToJsonString()} in the schema but {want.Value.ToJsonString()} in the C# constants");
            }
        }

        foreach (var extra in actual.Values)
        {
            drift.Add($"{extra.Path}: the schema has {extra.Keyword} {extra.Value.ToJsonString()}, which the C# constants do not state (add it to the validator and ExpectedConstraints, or remove it)");
        }

        return drift;
    }
}
