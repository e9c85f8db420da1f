import * as pulumi from "@pulumi/pulumi";

/**
 * Typed access to the pachyderm-azure outputs contract (contracts/outputs.schema.json, docs/outputs.md) from another
 * team's Pulumi program. Copy this file; bump SUPPORTED_CONTRACT_MAJOR when you adopt a new major version.
 */

export const SUPPORTED_CONTRACT_MAJOR = 1;

export interface SubnetIds {
    aks: string;
    ingress: string;
    data: string;
    privateEndpoints: string;
    postgres: string;
}

/** Plain values of the contract, one field per output (types as in the JSON schema). */
export interface PlatformOutputValues {
    contractVersion: string;
    resourceGroupName: string;
    location: string;
    vnetId: string;
    subnetIds: SubnetIds;
    clusterName: string;
    clusterId: string;
    oidcIssuerUrl: string;
    /** Secret. */
    kubeconfig: string;
    pachdGrpcAddress: string;
    pachdS3Endpoint: string;
    pachydermVersion: string;
    pachctlConnectCommand: string;
    storageAccountName: string;
    storageContainerName: string;
    storageUrl: string;
    blobEndpoint: string;
    cosmosAccountName: string;
    cosmosEndpoint: string;
    cosmosDatabaseName: string;
    cosmosContainerNames: string[];
    ingressPublicIp: string;
    ingressFqdn: string;
    ingressSshCommand: string | null;
    metadataStoreKind: "managedDisk" | "glusterfs";
    metadataStoreAddress: string | null;
    postgresHost: string;
}

export type PlatformOutputs = { readonly [K in keyof PlatformOutputValues]: pulumi.Output<PlatformOutputValues[K]> };

/** Every output name of the contract (kept equal to the schema's properties by examples/consumer/consumer.test.ts). */
export const PLATFORM_OUTPUT_NAMES: readonly (keyof PlatformOutputValues)[] = [
    "contractVersion",
    "resourceGroupName",
    "location",
    "vnetId",
    "subnetIds",
    "clusterName",
    "clusterId",
    "oidcIssuerUrl",
    "kubeconfig",
    "pachdGrpcAddress",
    "pachdS3Endpoint",
    "pachydermVersion",
    "pachctlConnectCommand",
    "storageAccountName",
    "storageContainerName",
    "storageUrl",
    "blobEndpoint",
    "cosmosAccountName",
    "cosmosEndpoint",
    "cosmosDatabaseName",
    "cosmosContainerNames",
    "ingressPublicIp",
    "ingressFqdn",
    "ingressSshCommand",
    "metadataStoreKind",
    "metadataStoreAddress",
    "postgresHost",
];

/** Outputs that must stay secret in the consumer's program too. */
const SECRET_OUTPUTS: ReadonlySet<keyof PlatformOutputValues> = new Set(["kubeconfig"]);

/** The contract version when its major is the supported one; throws (failing the deployment) otherwise. */
export function assertSupportedContract(version: unknown): string {
    const major = typeof version === "string" && /^\d+\.\d+\.\d+$/.test(version) ? Number(version.split(".")[0]) : NaN;
    if (major !== SUPPORTED_CONTRACT_MAJOR) {
        throw new Error(
            `platform outputs contract ${String(version)} is not supported by this program (supports ${SUPPORTED_CONTRACT_MAJOR}.x); see docs/outputs.md`,
        );
    }
    return version as string;
}

/**
 * Every output of the platform stack as a typed Output, read with `requireOutput` (a missing output fails the
 * consumer's preview with the output's name). Secret outputs stay secret: `requireOutput` keeps the platform's secret
 * flag and they are additionally wrapped in `pulumi.secret`, so they stay secret even if the platform forgot to mark
 * them. Every output also waits for the contract's major version to be checked.
 */
export function platformOutputs(ref: pulumi.StackReference): PlatformOutputs {
    const version = ref.requireOutput("contractVersion").apply(assertSupportedContract);
    const read = (key: keyof PlatformOutputValues): pulumi.Output<unknown> => {
        if (key === "contractVersion") return version;
        const out = pulumi.all([version, ref.requireOutput(key)]).apply(([, v]) => v as unknown);
        return SECRET_OUTPUTS.has(key) ? pulumi.secret(out) : out;
    };
    const result: Record<string, pulumi.Output<unknown>> = {};
    for (const key of PLATFORM_OUTPUT_NAMES) result[key] = read(key);
    // The values are typed by the contract (contracts/outputs.schema.json), which the platform's CI enforces.
    return result as unknown as PlatformOutputs;
}
