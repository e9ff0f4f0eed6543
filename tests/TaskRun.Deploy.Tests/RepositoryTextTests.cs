using TaskRun.Testing;
using Xunit;

namespace TaskRun.Deploy.Tests;

/// <summary>The repository stands alone: no file points at design notes that are not in it.</summary>
public sealed class RepositoryTextTests
{
    [Fact]
    public async Task No_tracked_file_refers_to_design_notes_outside_the_repository()
    {
        // Spelled in pieces so this file does not match itself.
        string[] outside = ["DESIGN" + ".md", "LESSONS" + ".md", "DESIGN" + " §", "LESSONS" + ":"];
        var files = await ProcessRunner.RunAsync("git", ["ls-files"]);
        Assert.True(files.Succeeded, files.ToString());

        var offenders = files.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(file => RepositoryPaths.InRoot(file))
            .Where(File.Exists)
            .Where(path => outside.Any(File.ReadAllText(path).Contains))
            .ToList();

        Assert.Empty(offenders);
    }
}
