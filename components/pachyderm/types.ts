import * as pulumi from "@pulumi/pulumi";
import type { KubernetesToleration } from "../../lib/facts/pachyderm";

export interface ResourceSizing {
    cpuRequest: string;
    memoryRequest: string;
    memoryLimit: string;
}

export interface PachydermArgs {
    /** Namespace created by the component, e.g. "pachyderm". */
    namespace: string;
    /** Pachyderm release, e.g. "2.12.2" (pachd, worker and console images). */
    version: string;
    environmentKind: "dev" | "prod";
    /** [] or ["1","2","3"]: topology spread over topology.kubernetes.io/zone when non-empty. */
    zones: string[];
    storage: {
        accountName: pulumi.Input<string>;
        containerName: pulumi.Input<string>;
        /** https://<acct>.blob.core.windows.net/ */
        blobEndpoint: pulumi.Input<string>;
        authMode: "workloadIdentity" | "sharedKey";
        /** Secret; only in sharedKey mode. */
        accountKey?: pulumi.Input<string>;
        /** User-assigned identity client id (workloadIdentity mode). */
        identityClientId?: pulumi.Input<string>;
        /** Egress to the blob (and cosmos) private endpoints. */
        privateEndpointsCidr: string;
    };
    /** The PersistentVolumes under etcd and the in-cluster PostgreSQL (config `metadataStore`): components/pachydermVolumes.ts. */
    volumes: {
        kind: "managedDisk" | "glusterfs";
        /** One PersistentVolume name per etcd member, pre-bound by claimRef to `etcdClaimName(i)`. */
        etcdVolumeNames: pulumi.Input<string>[];
        etcdSizeGi: number;
        /** When postgres.kind is inCluster; pre-bound to `postgresClaimName()`. */
        postgresVolumeName?: pulumi.Input<string>;
        postgresSizeGi?: number;
        /** The PVs. */
        dependsOn?: pulumi.Input<pulumi.Resource>[];
    };
    postgres: {
        kind: "inCluster" | "azureFlexible";
        /** azureFlexible: server FQDN. */
        host?: pulumi.Input<string>;
        user: string;
        /** Secret. */
        password: pulumi.Input<string>;
        /** azureFlexible: egress allowed to it on 5432. */
        subnetCidr?: string;
    };
    network: {
        ingressSubnetCidr: string;
        aksSubnetCidr: string;
        /**
         * Where the API server answers on 443. AKS only knows its address after the cluster exists,
         * so the caller passes an Output (e.g. the API server's /32 or its private endpoint subnet).
         */
        apiServerCidrs: [pulumi.Input<string>, ...pulumi.Input<string>[]];
        /**
         * Workload identity only: CIDRs the pods may reach on 443 for Entra ID token exchange
         * (login.microsoftonline.com has no stable private range). Default: public IPv4 space
         * (0.0.0.0/0 minus RFC 1918); narrow it here or with an egress firewall.
         */
        entraIdEgressCidrs?: string[];
    };
    pachd: {
        replicas: number;
        internalLbIp: string;
        idleTimeoutMinutes: number;
        resources: ResourceSizing;
    };
    etcd: {
        replicas: 1 | 3;
        resources: ResourceSizing;
        /** Cron schedule of the snapshot job. */
        backupSchedule: string;
    };
    console: boolean;
    /** Taints the pipeline workers tolerate (set through the cluster defaults), e.g. AKS's Spot taint. */
    workerTolerations: KubernetesToleration[];
    oidc?: { issuer: string; clientId: string; clientSecret: pulumi.Input<string> };
    /** E.g. the blob container and role assignments that must exist before pachd. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** What every piece builder receives. */
export interface BuildContext {
    /** Pulumi name of the component (prefix of child names). */
    name: string;
    parent: pulumi.Resource;
    args: PachydermArgs;
    namespace: pulumi.Output<string>;
}
