namespace TaskRun.Controller.Reconciliation;

/// <summary>The reconciler the controller loop calls, one TaskRun key at a time.</summary>
public sealed partial class TaskRunReconciler : IReconciler<ObjectKey>;
