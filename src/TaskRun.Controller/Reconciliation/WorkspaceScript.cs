namespace TaskRun.Controller.Reconciliation;

/// <summary>
/// The init container's script. It is a constant: every value comes from environment variables, so no user
/// text is ever interpolated into shell. It re-checks those values (defense in depth), fails loudly on any
/// error (no "|| echo continuing"), and verifies the layout before the agent starts.
/// </summary>
public static class WorkspaceScript
{
    public const string Text = """
        set -eu
        case "$SERVICE_NAME" in
          ''|*[!a-z0-9-]*|-*|*-) echo "prepare-workspace: invalid SERVICE_NAME" >&2; exit 2 ;;
        esac
        case "$TASK_ID" in ''|*[!0-9]*) echo "prepare-workspace: invalid TASK_ID" >&2; exit 2 ;; esac
        case "$RUN_NUMBER" in ''|*[!0-9]*) echo "prepare-workspace: invalid RUN_NUMBER" >&2; exit 2 ;; esac
        service_dir="$WORKSPACE_DIR/$SERVICE_NAME"
        run_dir="$service_dir/.task/$TASK_ID/run-$RUN_NUMBER"
        mkdir -p "$run_dir"
        copied=0
        for source in "$CONFIG_DIR"/*; do
          name=$(basename "$source")
          case "$name" in
            CLAUDE.md) cp "$source" "$service_dir/CLAUDE.md" ;;
            *.md|metadata.yaml) cp "$source" "$run_dir/$name"; copied=$((copied + 1)) ;;
            *) echo "prepare-workspace: unexpected file $name" >&2; exit 3 ;;
          esac
        done
        [ -f "$service_dir/CLAUDE.md" ] || { echo "prepare-workspace: CLAUDE.md missing from the run's ConfigMap" >&2; exit 4; }
        [ -f "$run_dir/metadata.yaml" ] || { echo "prepare-workspace: metadata.yaml missing from the run's ConfigMap" >&2; exit 4; }
        echo "prepare-workspace: $copied files in $run_dir"
        """;

    /// <summary>Where the ConfigMap and the workspace are mounted in the Job's containers.</summary>
    public const string ConfigMountPath = "/config";
    public const string WorkspaceMountPath = "/workspace";
}
