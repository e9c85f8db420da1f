import * as cosmosdb from "@pulumi/azure-native/cosmosdb";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformOutputs } from "./platform";

/**
 * Another team's program on the shared platform: its own Cosmos DB container in the platform's account/database, and
 * a ConfigMap with its Pachyderm pipeline spec, applied through a Kubernetes provider built from the platform's
 * (secret) kubeconfig. Everything about the platform comes from the outputs contract (docs/outputs.md).
 */
const config = new pulumi.Config();
const containerName = config.get("containerName") ?? "features";
const partitionKeyPath = config.get("partitionKeyPath") ?? "/featureSetId";
const namespaceName = config.get("namespace") ?? "ml-features";
const pipelineImage = config.get("pipelineImage") ?? "ghcr.io/example/feature-builder:1.4.0";

const platformRef = new pulumi.StackReference("platform", { name: config.require("platformStack") });
const platform = platformOutputs(platformRef);

// Never take over a container the platform itself manages.
const safeContainerName = platform.cosmosContainerNames.apply((owned) => {
    if (owned.includes(containerName)) {
        throw new Error(`container "${containerName}" belongs to the platform (cosmosContainerNames); pick another name`);
    }
    return containerName;
});

const container = new cosmosdb.SqlResourceSqlContainer(
    "features",
    {
        resourceGroupName: platform.resourceGroupName,
        accountName: platform.cosmosAccountName,
        databaseName: platform.cosmosDatabaseName,
        containerName: safeContainerName,
        resource: {
            id: safeContainerName,
            partitionKey: { paths: [partitionKeyPath], kind: cosmosdb.PartitionKind.Hash, version: 2 },
            indexingPolicy: { indexingMode: cosmosdb.IndexingMode.Consistent, automatic: true },
        },
        // The team's data: never deleted by a `pulumi destroy` of this program by accident.
    },
    { protect: true },
);

const provider = new k8s.Provider("platform-aks", {
    kubeconfig: platform.kubeconfig,
    enableServerSideApply: true,
});

const ns = new k8s.core.v1.Namespace("team", { metadata: { name: namespaceName } }, { provider });

/** Pachyderm 2.12 pipeline spec (https://docs.pachyderm.com/latest/build-dags/pipeline-spec/). */
const pipelineSpec = pulumi
    .all([platform.cosmosEndpoint, platform.cosmosDatabaseName, safeContainerName, platform.pachydermVersion])
    .apply(([endpoint, database, cosmosContainer, pachydermVersion]) =>
        JSON.stringify(
            {
                pipeline: { name: "feature-builder", project: { name: "default" } },
                description: `Builds feature sets into Cosmos DB container ${cosmosContainer} (Pachyderm ${pachydermVersion}).`,
                input: { pfs: { repo: "raw-runs", glob: "/*" } },
                transform: {
                    image: pipelineImage,
                    cmd: ["python3", "/app/build_features.py"],
                    env: { COSMOS_ENDPOINT: endpoint, COSMOS_DATABASE: database, COSMOS_CONTAINER: cosmosContainer },
                },
                parallelismSpec: { constant: 2 },
                autoscaling: true,
            },
            null,
            2,
        ),
    );

const pipelineConfigMap = new k8s.core.v1.ConfigMap(
    "pipeline-spec",
    {
        metadata: { name: "feature-builder-pipeline", namespace: ns.metadata.name },
        data: { "pipeline.json": pipelineSpec },
    },
    { provider },
);

export const containerId = container.id;
export const pipelineSpecConfigMap = pulumi.interpolate`${pipelineConfigMap.metadata.namespace}/${pipelineConfigMap.metadata.name}`;
export const pachdGrpcAddress = platform.pachdGrpcAddress;
