using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace TaskRun.Core.Config;

/// <summary>
/// Reads YAML into JSON nodes with the YAML 1.2 core schema's typing (plain 3 is a number, "3" a string),
/// so a JSON Schema can check a YAML document's types. Anchors and aliases are refused before anything is
/// built: an alias is a reference, and a few hundred bytes of nested aliases ("billion laughs") expand to
/// millions of nodes. Nesting is capped too, so a deep document cannot exhaust the stack.
/// </summary>
public static partial class YamlToJson
{
    /// <summary>Deepest nesting of mappings and sequences accepted; the config needs four levels.</summary>
    public const int MaxDepth = 32;

    /// <exception cref="YamlException">The text is not YAML, or uses anchors/aliases or nests too deep; the message carries line and column.</exception>
    public static JsonNode? Parse(string yaml)
    {
        RefuseAliasesAndDeepNesting(yaml);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0)
        {
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            throw new YamlException("config.yaml must hold one YAML document, not several");
        }

        return Convert(stream.Documents[0].RootNode);
    }

    /// <summary>One pass over the parser's events, which never expands anything: cheap whatever the input.</summary>
    private static void RefuseAliasesAndDeepNesting(string yaml)
    {
        var parser = new Parser(new StringReader(yaml));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case AnchorAlias alias:
                    throw new YamlException(alias.Start, alias.End,
                        $"YAML aliases are not allowed in the controller config (found *{alias.Value}); write the value out in full");
                case NodeEvent { Anchor.IsEmpty: false } anchored:
                    throw new YamlException(anchored.Start, anchored.End,
                        $"YAML anchors are not allowed in the controller config (found &{anchored.Anchor}); write the value out in full");
                case MappingStart or SequenceStart when ++depth > MaxDepth:
                    throw new YamlException(parser.Current.Start, parser.Current.End,
                        $"the YAML nests deeper than {MaxDepth} levels; the controller config needs no more than four");
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ConvertMapping(mapping),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => throw new YamlException(node.Start, node.End, $"unsupported YAML node {node.NodeType}"),
    };

    private static JsonObject ConvertMapping(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            var name = (key as YamlScalarNode)?.Value
                ?? throw new YamlException(key.Start, key.End, "mapping keys must be plain strings");
            if (result.ContainsKey(name))
            {
                throw new YamlException(key.Start, key.End, $"duplicate key \"{name}\"");
            }

            result[name] = Convert(value);
        }

        return result;
    }

    private static JsonValue? ConvertScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (text is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        if (IntegerRegex().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        // 1e400 parses as infinity, which JSON cannot hold; left a string, the schema reports it against its key.
        if (FloatRegex().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex("^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IntegerRegex();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatRegex();
}
