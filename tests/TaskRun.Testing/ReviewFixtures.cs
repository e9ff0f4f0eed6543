namespace TaskRun.Testing;

/// <summary>
/// AdmissionReview and ConversionReview requests captured from a real kube-apiserver 1.20, kept once in
/// tests/TaskRun.Testing/Fixtures and linked into the output of each test project that reads them (its csproj
/// includes <c>ReviewFixtures.props</c>).
/// </summary>
public static class ReviewFixtures
{
    public static string Text(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));
}
