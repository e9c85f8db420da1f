import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type * as k8sTypes from "@pulumi/kubernetes/types/input";
import { NameContext } from "../../lib/naming";

export interface StaticVolumeArgs {
    names: NameContext;
    /** The volume is named `pv-<prefix>-<stack>-<key>`, e.g. `etcd-0`. */
    key: string;
    labels: Record<string, string>;
    sizeGb: number;
    /** The one claim allowed to bind it. */
    claim: { namespace: string; name: string };
    /** Where the data is: `csi` (an Azure disk) or `nfs`, plus what that source needs (mount options, node affinity). */
    source: Pick<k8sTypes.core.v1.PersistentVolumeSpec, "csi" | "nfs" | "mountOptions" | "nodeAffinity">;
}

/**
 * A statically provisioned PersistentVolume pre-bound to one claim (claimRef on the volume; the claim
 * names the volume): `Retain`, so deleting the claim or the namespace never deletes the data, and no
 * storage class, so no provisioner ever touches it
 * (https://kubernetes.io/docs/concepts/storage/persistent-volumes/#reserving-a-persistentvolume).
 * `opts` comes from the component's StatefulGuard.
 */
export function staticPersistentVolume(
    name: string,
    a: StaticVolumeArgs,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.PersistentVolume {
    return new k8s.core.v1.PersistentVolume(
        name,
        {
            metadata: { name: `pv-${a.names.prefix}-${a.names.stack}-${a.key}`.toLowerCase(), labels: a.labels },
            spec: {
                capacity: { storage: `${a.sizeGb}Gi` },
                accessModes: ["ReadWriteOnce"],
                volumeMode: "Filesystem",
                persistentVolumeReclaimPolicy: "Retain",
                storageClassName: "",
                claimRef: a.claim,
                ...a.source,
            },
        },
        opts,
    );
}
