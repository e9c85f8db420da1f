import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { labels } from "./common";
import { K8S_NAMES, PACHD_PORTS } from "./names";
import { BuildContext, PachydermArgs } from "./types";

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

/** An Opaque Secret of the namespace; every value is a Pulumi secret. */
function opaqueSecret(
    ctx: BuildContext,
    suffix: string,
    secretName: string,
    app: string,
    stringData: Record<string, pulumi.Input<string>>,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        `${ctx.name}-${suffix}`,
        {
            metadata: { name: secretName, namespace: ctx.namespace, labels: labels(app) },
            type: "Opaque",
            stringData: Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, pulumi.secret(v)])),
        },
        { parent: ctx.parent },
    );
}

/** pachd's auth config: its own OAuth client at the in-cluster Dex issuer. */
function authConfigYaml(args: PachydermArgs): string {
    const { redirect, userAccessibleIssuerHost } = browserUrls(args.pachd.internalLbIp);
    return [
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
}

/** Dex's OAuth clients: pachd, trusted by the console when it runs. */
function oidcClientsYaml(args: PachydermArgs): string {
    return [
        `- id: ${PACHD_OAUTH_CLIENT_ID}`,
        `  name: ${PACHD_OAUTH_CLIENT_ID}`,
        "  redirect_uris:",
        `  - ${browserUrls(args.pachd.internalLbIp).redirect}`,
        ...(args.console ? ["  trusted_peers:", `  - ${CONSOLE_OAUTH_CLIENT_ID}`] : []),
        "",
    ].join("\n");
}

/**
 * Dex connector for the upstream IdP; the mock `admin:password` connector of the chart is never rendered.
 * identity_v2.IDPConnector fields only: pachd parses each entry with protojson, which rejects unknown
 * fields such as `version` (src/server/identityutil/identityutil.go at 2.12.x; lib/facts/pachyderm.ts).
 */
function upstreamIdpSecret(ctx: BuildContext, oidc: NonNullable<PachydermArgs["oidc"]>): k8s.core.v1.Secret {
    const connectors = pulumi.output(oidc.clientSecret).apply((secret) =>
        JSON.stringify([
            {
                id: "oidc",
                name: "oidc",
                type: "oidc",
                config: {
                    issuer: oidc.issuer,
                    clientID: oidc.clientId,
                    clientSecret: secret,
                    redirectURI: browserUrls(ctx.args.pachd.internalLbIp).dexCallback,
                    insecureEnableGroups: true,
                    insecureSkipEmailVerified: false,
                    scopes: ["openid", "profile", "email"],
                },
            },
        ]),
    );
    return opaqueSecret(ctx, "identity-secret", K8S_NAMES.identitySecret, "pachd", { "upstream-idps": connectors });
}

export function createSecrets(ctx: BuildContext): Secrets {
    const { name, parent, args, namespace } = ctx;
    const pw = (suffix: string, length: number) => new random.RandomPassword(`${name}-${suffix}`, { length, special: false }, { parent });

    // Keyless mode carries no key at all: gocloud's azblob falls back to the default credential chain (workload identity).
    const storage = opaqueSecret(ctx, "storage-secret", K8S_NAMES.storageSecret, K8S_NAMES.storageSecret, {
        AZURE_STORAGE_ACCOUNT: args.storage.accountName,
        ...(args.storage.authMode === "sharedKey" ? { AZURE_STORAGE_KEY: args.storage.accountKey! } : {}),
    });
    const postgres = opaqueSecret(ctx, "postgres-secret", K8S_NAMES.postgresSecret, "postgres", {
        "postgresql-password": args.postgres.password,
    });
    const rootToken = pw("root-token", 32).result;
    const oauthSecret = pw("pachd-oauth-client-secret", 32).result;
    const auth = opaqueSecret(ctx, "auth-secret", K8S_NAMES.authSecret, "pachd", {
        "root-token": rootToken,
        "auth-config": authConfigYaml(args),
        "pachd-oauth-client-secret": oauthSecret,
    });
    const deploymentId = opaqueSecret(ctx, "deployment-id-secret", K8S_NAMES.deploymentIdSecret, "pachd", {
        CLUSTER_DEPLOYMENT_ID: pw("deployment-id", 32).result,
    });
    const identityConfig = new k8s.core.v1.ConfigMap(
        `${name}-identity-config`,
        {
            metadata: { name: K8S_NAMES.identityConfig, namespace, labels: labels("pachd") },
            data: {
                "identity-config": `issuer: ${ISSUER}\nid_token_expiry: 24h\nrotation_token_expiry: 48h\n`,
                "oidc-clients": oidcClientsYaml(args),
            },
        },
        { parent },
    );

    const resources: pulumi.Resource[] = [storage, postgres, auth, deploymentId, identityConfig];
    if (args.oidc) resources.push(upstreamIdpSecret(ctx, args.oidc));
    return { rootToken: pulumi.secret(rootToken), resources };
}
