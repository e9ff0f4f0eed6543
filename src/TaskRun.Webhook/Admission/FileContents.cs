namespace TaskRun.Webhook.Admission;

/// <summary>What <see cref="TaskRunObjects.TryRead"/> does with each file's content.</summary>
internal enum FileContents
{
    /// <summary>Read into <see cref="Core.Api.TaskFile.Content"/>.</summary>
    Read,

    /// <summary>Only its UTF-8 length, into <see cref="Core.Api.TaskFile.MeasuredContentBytes"/>; Content stays null.</summary>
    Measured,

    /// <summary>Not read at all; Content stays null.</summary>
    Skipped,
}
