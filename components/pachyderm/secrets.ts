import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { labels } from "./common";
import { K8S_NAMES, PACHD_PORTS } from "./names";
import { BuildContext } from "./types";

export interface Secrets {
    rootToken: pulumi.Output<string>;
    /** Everything pachd must find before it starts. */
    resources: pulumi.Resource[];
}

/** pachd's own OIDC client (Dex runs inside pachd). */
export const PACHD_OAUTH_CLIENT_ID = "pachd";
export const CONSOLE_OAUTH_CLIENT_ID = "console";
/** Dex inside pachd, as pachd itself reaches it. */
export const ISSUER = `http://${K8S_NAMES.pachd}:${PACHD_PORTS.identity.service}/dex`;

/**
 * What a user's browser opens during `pachctl auth login`: Dex (identity port) and pachd's OIDC callback
 * (oidc port), both on the internal load balancer, which exposes them when OIDC is on (pachd.ts).
 */
export function browserUrls(internalLbIp: string): { redirect: string; dexCallback: string; userAccessibleIssuerHost: string } {
    const identity = `http://${internalLbIp}:${PACHD_PORTS.identity.service}`;
    return {
        redirect: `http://${internalLbIp}:${PACHD_PORTS.oidc.service}/authorization-code/callback`,
        dexCallback: `${identity}/dex/callback`,
        userAccessibleIssuerHost: identity,
    };
}

export function createSecrets(ctx: BuildContext): Secrets {
    const { name, parent, args, namespace } = ctx;
    const opts = { parent };
    const pw = (suffix: string, length: number) => new random.RandomPassword(`${name}-${suffix}`, { length, special: false }, opts);

    const storageData: Record<string, pulumi.Input<string>> = {
        AZURE_STORAGE_ACCOUNT: pulumi.secret(args.storage.accountName),
    };
    // Keyless mode carries no key at all: gocloud's azblob falls back to the default credential chain (workload identity).
    if (args.storage.authMode === "sharedKey") storageData.AZURE_STORAGE_KEY = pulumi.secret(args.storage.accountKey!);
    const storage = new k8s.core.v1.Secret(
        `${name}-storage-secret`,
        {
            metadata: { name: K8S_NAMES.storageSecret, namespace, labels: labels(K8S_NAMES.storageSecret) },
            type: "Opaque",
            stringData: storageData,
        },
        opts,
    );

    const postgres = new k8s.core.v1.Secret(
        `${name}-postgres-secret`,
        {
            metadata: { name: K8S_NAMES.postgresSecret, namespace, labels: labels("postgres") },
            type: "Opaque",
            stringData: { "postgresql-password": pulumi.secret(args.postgres.password) },
        },
        opts,
    );

    const rootToken = pw("root-token", 32).result;
    const oauthSecret = pw("pachd-oauth-client-secret", 32).result;
    const { redirect, userAccessibleIssuerHost } = browserUrls(args.pachd.internalLbIp);
    const authConfig = [
        `client_id: ${PACHD_OAUTH_CLIENT_ID}`,
        `issuer: ${ISSUER}`,
        "localhost_issuer: true",
        // Browsers cannot resolve the in-cluster issuer: pachd rewrites the login URL's scheme and host to this
        // (src/server/auth/server/oidc.go at 2.12.x), and the load balancer exposes that port with OIDC on.
        ...(args.oidc ? [`user_accessible_issuer_host: ${userAccessibleIssuerHost}`] : []),
        "require_email_verified: false",
        `redirect_uri: ${redirect}`,
        "scopes:",
        "- email",
        "- profile",
        "- groups",
        "- openid",
        "",
    ].join("\n");
    const auth = new k8s.core.v1.Secret(
        `${name}-auth-secret`,
        {
            metadata: { name: K8S_NAMES.authSecret, namespace, labels: labels("pachd") },
            type: "Opaque",
            stringData: {
                "root-token": pulumi.secret(rootToken),
                "auth-config": pulumi.secret(authConfig),
                "pachd-oauth-client-secret": pulumi.secret(oauthSecret),
            },
        },
        opts,
    );

    const deploymentId = new k8s.core.v1.Secret(
        `${name}-deployment-id-secret`,
        {
            metadata: { name: K8S_NAMES.deploymentIdSecret, namespace, labels: labels("pachd") },
            type: "Opaque",
            stringData: { CLUSTER_DEPLOYMENT_ID: pulumi.secret(pw("deployment-id", 32).result) },
        },
        opts,
    );

    const clients = [
        `- id: ${PACHD_OAUTH_CLIENT_ID}`,
        `  name: ${PACHD_OAUTH_CLIENT_ID}`,
        "  redirect_uris:",
        `  - ${redirect}`,
        ...(args.console ? ["  trusted_peers:", `  - ${CONSOLE_OAUTH_CLIENT_ID}`] : []),
        "",
    ].join("\n");
    const identityConfig = new k8s.core.v1.ConfigMap(
        `${name}-identity-config`,
        {
            metadata: { name: K8S_NAMES.identityConfig, namespace, labels: labels("pachd") },
            data: {
                "identity-config": `issuer: ${ISSUER}\nid_token_expiry: 24h\nrotation_token_expiry: 48h\n`,
                "oidc-clients": clients,
            },
        },
        opts,
    );

    const resources: pulumi.Resource[] = [storage, postgres, auth, deploymentId, identityConfig];
    if (args.oidc) {
        // Dex connector for the upstream IdP; the mock `admin:password` connector of the chart is never rendered.
        const oidc = args.oidc;
        // identity_v2.IDPConnector fields only: pachd parses each entry with protojson, which rejects unknown
        // fields such as `version` (src/server/identityutil/identityutil.go at 2.12.x; lib/facts/pachyderm.ts).
        const connectors = pulumi.secret(
            pulumi.output(oidc.clientSecret).apply((secret) =>
                JSON.stringify([
                    {
                        id: "oidc",
                        name: "oidc",
                        type: "oidc",
                        config: {
                            issuer: oidc.issuer,
                            clientID: oidc.clientId,
                            clientSecret: secret,
                            redirectURI: browserUrls(args.pachd.internalLbIp).dexCallback,
                            insecureEnableGroups: true,
                            insecureSkipEmailVerified: false,
                            scopes: ["openid", "profile", "email"],
                        },
                    },
                ]),
            ),
        );
        resources.push(
            new k8s.core.v1.Secret(
                `${name}-identity-secret`,
                {
                    metadata: { name: K8S_NAMES.identitySecret, namespace, labels: labels("pachd") },
                    type: "Opaque",
                    stringData: { "upstream-idps": connectors },
                },
                opts,
            ),
        );
    }
    return { rootToken: pulumi.secret(rootToken), resources };
}
