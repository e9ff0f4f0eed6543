namespace TaskRun.Webhook.Admission;

/// <summary>
/// A review's objects as the single typed pass (<see cref="Hosting.TypedReviewReader"/>) read them, files'
/// contents treated as <paramref name="Contents"/> says. The pass only succeeds for an object (and old object,
/// when sent) that has <c>metadata</c> and <c>spec</c> objects.
/// </summary>
internal sealed record TypedObjects(V2TaskRun Object, V2TaskRun? OldObject, FileContents Contents);
