using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace TaskRun.Testing;

/// <summary>A kubeconfig that authenticates as a ServiceAccount (a bound token from the TokenRequest API).</summary>
public static partial class ServiceAccountIdentity
{
    public static string UserName(string ns, string serviceAccount) => $"system:serviceaccount:{ns}:{serviceAccount}";

    public static async Task<string> WriteKubeconfigAsync(KubernetesFixture fixture, string ns, string serviceAccount, string directory)
    {
        var request = await fixture.Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 3600, Audiences = [] } }, serviceAccount, ns);
        var admin = await File.ReadAllTextAsync(fixture.ControlPlane.KubeconfigPath);
        var path = Path.Combine(directory, $"{serviceAccount}.kubeconfig");
        await File.WriteAllTextAsync(path, TokenRegex().Replace(admin, $"token: {request.Status.Token}"));
        return path;
    }

    /// <summary>Asks the API server's authorizer whether the ServiceAccount may do <paramref name="verb"/> on a resource.</summary>
    public static async Task<bool> CanAsync(IKubernetes admin, string user, string verb, string group, string resource, string? ns, string? subresource = null)
    {
        var review = await admin.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user,
                Groups = ["system:serviceaccounts", $"system:serviceaccounts:{user.Split(':')[2]}", "system:authenticated"],
                ResourceAttributes = new V1ResourceAttributes { Verb = verb, Group = group, Resource = resource, Subresource = subresource, NamespaceProperty = ns },
            },
        });
        return review.Status.Allowed;
    }

    /// <summary>
    /// A ServiceAccount in <paramref name="ns"/> bound (by a RoleBinding in that namespace) to the ClusterRole
    /// <paramref name="clusterRole"/> only, and a kubeconfig that authenticates as it: a tenant of that namespace.
    /// </summary>
    public static async Task<string> CreateBoundAsync(KubernetesFixture fixture, string ns, string serviceAccount, string clusterRole, string directory)
    {
        await fixture.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = serviceAccount } }, ns);
        await fixture.Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = $"{serviceAccount}-{clusterRole}" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = clusterRole },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = serviceAccount, NamespaceProperty = ns }],
        }, ns);
        return await WriteKubeconfigAsync(fixture, ns, serviceAccount, directory);
    }

    [GeneratedRegex(@"token: \S+")]
    private static partial Regex TokenRegex();
}
