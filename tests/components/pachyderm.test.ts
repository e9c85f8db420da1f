import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { AZURE_CLI_IMAGE, ETCD_IMAGE, PACHD_POSTGRES, PGBOUNCER_IMAGE } from "../../lib/facts/pachyderm";
import { IMAGES, K8S_NAMES } from "../../components/pachyderm/names";
import { validateK8sObject } from "../helpers/k8sValidation";
import { captureResources, dependsOn, evaluateComponent } from "../helpers/mockHarness";
import { must } from "../helpers/must";
import { buildScenarios, envOf, find, isSecretAt, manifest, prodArgs, scenarioStack, scenarios, Stack } from "../pachyderm/stacks";
import type { JsonValue } from "../../lib/json";

const captured = captureResources();

// Imported after the mocks, as Pulumi's testing guide asks.
const { Pachyderm, etcdClaimName, postgresClaimName, workloadIdentitySubjects } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../../components/pachyderm") as typeof import("../../components/pachyderm");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { etcdSnapshotContainer } = require("../../components/pachyderm/backup") as typeof import("../../components/pachyderm/backup");
const { CLUSTER_DEFAULTS_FILE } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../../components/pachyderm/clusterDefaults") as typeof import("../../components/pachyderm/clusterDefaults");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PGBOUNCER_AUTH_TYPE } = require("../../components/pachyderm/pgbouncer") as typeof import("../../components/pachyderm/pgbouncer");
let stacks = new Map<string, Stack>();
beforeAll(async () => {
    stacks = await buildScenarios(captured);
});
const stackOf = (label: string) => must(stacks.get(label), label);
const dev = () => scenarioStack(stacks, 0);
const prod = () => scenarioStack(stacks, 1);

describe.each(scenarios)("%s", (label, _args, env) => {
    test("every object passes schema validation (no unknown fields)", () => {
        const errors = stackOf(label).objects.flatMap((o) => validateK8sObject(manifest(o)).map((e) => `${o.kind}/${o.metadata.name}${e}`));
        expect(errors).toEqual([]);
    });
    test("the policy pack passes its objects: rules 28, 34-38", async () => {
        const verdict = await evaluateComponent(captured, stackOf(label).name, { all: { environment: env } });
        expect(verdict.violations).toEqual([]);
        expect(verdict.passed).toEqual(
            expect.arrayContaining([
                "k8s-lb-service-internal",
                "k8s-pod-security",
                "k8s-resources-probes-pinned-images",
                "k8s-service-accounts-namespaces",
                "k8s-availability-pdb-backup",
                "k8s-network-policies",
            ]),
        );
    });
    test("every object carries app/suite labels and an explicit namespace", () => {
        for (const o of stackOf(label).objects) {
            expect(o.metadata.labels?.suite).toBe("pachyderm");
            expect(o.metadata.labels?.app).toBeTruthy();
            if (o.kind !== "Namespace") expect(o.metadata.namespace).toBe("pachyderm");
        }
    });
});

describe("pachd", () => {
    test("environment as the chart renders it, secrets by reference", () => {
        const d = find(dev(), "Deployment", "pachd");
        const e = envOf(d);
        expect(e.STORAGE_BACKEND.value).toBe("MICROSOFT");
        expect(e.STORAGE_URL.value).toBe("azblob://pachyderm");
        expect(e.PACH_ROOT.value).toBe("/pach");
        expect(e.POSTGRES_PASSWORD).toEqual({
            name: "POSTGRES_PASSWORD",
            valueFrom: { secretKeyRef: { name: "postgres", key: "postgresql-password" } },
        });
        expect(e.POSTGRES_PASSWORD.value).toBeUndefined();
        expect(e.POSTGRES_SSL.value).toBe("disable");
        expect(e.PG_BOUNCER_HOST.value).toBe("pg-bouncer");
        expect([e.ETCD_SERVICE_HOST.value, e.ETCD_SERVICE_PORT.value]).toEqual(["etcd", "2379"]);
        expect(e.WORKER_IMAGE.value).toBe("pachyderm/worker:2.12.2");
        expect(e.WORKER_SIDECAR_IMAGE.value).toBe("pachyderm/pachd:2.12.2");
        expect(e.WORKER_SERVICE_ACCOUNT.value).toBe("pachyderm-worker");
        expect(e.PACH_NAMESPACE.valueFrom.fieldRef.fieldPath).toBe("metadata.namespace");
        expect(e.PACHD_POD_NAME.valueFrom.fieldRef.fieldPath).toBe("metadata.name");
        expect(e.K8S_MEMORY_LIMIT.valueFrom.resourceFieldRef.resource).toBe("limits.memory");
        expect(e.ACTIVATE_AUTH.value).toBe("true");
        expect(e.AUTH_ROOT_TOKEN.valueFrom.secretKeyRef).toEqual({ name: "pachyderm-auth", key: "root-token" });
        expect(e.IDP_CONNECTORS).toBeUndefined(); // no mock IdP, no upstream
        expect(d.spec.template.spec.containers[0].envFrom.map((x: JsonValue) => x.secretRef?.name).filter(Boolean)).toEqual([
            "pachyderm-storage-secret",
            "pachyderm-deployment-id-secret",
        ]);
        expect(d.spec.template.metadata.labels).toMatchObject({ app: "pachd", suite: "pachyderm", "azure.workload.identity/use": "true" });
        expect(d.spec.template.spec.securityContext).toMatchObject({ runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532 });
        expect(d.spec.template.spec.automountServiceAccountToken).toBe(true);
        expect(d.spec.template.spec.containers[0].readinessProbe.exec.command).toEqual(["/pachd", "--readiness"]);
    });
    test("flexible server: direct connection with TLS, pooled connection and Dex through the in-cluster bouncer", () => {
        const e = envOf(find(prod(), "Deployment", "pachd"));
        expect(e.POSTGRES_SSL.value).toBe("require");
        expect(e.POSTGRES_HOST.value).toBe("psql-pachlab-prod.postgres.database.azure.com");
        // PACHD_POSTGRES: the pooled client and Dex dial PG_BOUNCER_HOST with TLS off, which a TLS-only server refuses.
        expect(PACHD_POSTGRES.pooledSslMode).toBe("disable");
        expect([e.PG_BOUNCER_HOST.value, e.PG_BOUNCER_PORT.value]).toEqual(["pg-bouncer", "5432"]);
        expect(e.IDP_CONNECTORS.valueFrom.secretKeyRef).toEqual({ name: "pachyderm-identity", key: "upstream-idps" });
        expect(prod().objects.some((o) => o.metadata.name === "postgres" && o.kind === "StatefulSet")).toBe(false);
    });
    test("internal load balancer: annotations, only 30650 and 30600, Local traffic policy", () => {
        const lb = find(dev(), "Service", "pachd-lb");
        expect(lb.spec.type).toBe("LoadBalancer");
        expect(lb.metadata.annotations).toEqual({
            "service.beta.kubernetes.io/azure-load-balancer-internal": "true",
            "service.beta.kubernetes.io/azure-load-balancer-ipv4": "10.40.15.250",
            "service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout": "30",
        });
        expect(lb.spec.loadBalancerIP).toBeUndefined();
        expect(lb.spec.ports.map((p: JsonValue) => p.port).sort()).toEqual([30600, 30650]);
        expect(lb.spec.externalTrafficPolicy).toBe("Local");
        expect(find(dev(), "Service", "pachd").spec.ports.find((p: JsonValue) => p.port === 30650).targetPort).toBe(1650);
    });
    test("outputs; root token is a secret", async () => {
        const c = dev().comp;
        const get = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply(r));
        expect(await get(c.grpcAddress)).toBe("grpc://10.40.15.250:30650");
        expect(await get(c.s3Endpoint)).toBe("http://10.40.15.250:30600");
        expect(await get(c.pachctlConnectCommand)).toBe("pachctl connect grpc://10.40.15.250:30650");
        expect(await pulumi.isSecret(c.rootToken)).toBe(true);
        expect(await pulumi.isSecret(c.grpcAddress)).toBe(false);
    });
});

describe("pg-bouncer (the pachyderm/pgbouncer image's entrypoint, vendored unchanged from 2.12.x)", () => {
    const entrypoint = fs.readFileSync(path.join(__dirname, "..", "fixtures", "pachyderm", "pgbouncer-entrypoint.sh"));
    test("the vendored entrypoint is the 2.12.x file (git blob id)", () => {
        const blob = crypto.createHash("sha1").update(`blob ${entrypoint.length}\0`).update(entrypoint).digest("hex");
        expect(blob).toBe(PGBOUNCER_IMAGE.entrypointBlob);
    });
    const text = entrypoint.toString();
    test.each(scenarios.map(([label]) => label))("%s: runs, with SCRAM auth and only variables the entrypoint reads", (label) => {
        const d = find(stackOf(label), "Deployment", "pg-bouncer");
        const c = d.spec.template.spec.containers[0];
        expect(c.image).toBe(IMAGES.pgBouncer);
        // The image's ENTRYPOINT/CMD write the config: overriding them would skip it.
        expect([c.command, c.args]).toEqual([undefined, undefined]);
        const e = envOf(d);
        // Without it the entrypoint writes an md5 userlist, which cannot log in to a server storing SCRAM verifiers.
        expect(text).toContain(`"\${${PGBOUNCER_IMAGE.authTypeEnv}:-${PGBOUNCER_IMAGE.defaultAuthType}}" == "md5"`);
        expect(e[PGBOUNCER_IMAGE.authTypeEnv].value).toBe(PGBOUNCER_AUTH_TYPE);
        expect(PGBOUNCER_AUTH_TYPE).not.toBe(PGBOUNCER_IMAGE.defaultAuthType);
        for (const name of Object.keys(e)) expect([name, text.includes(`\${${name}`) || text.includes(`$${name}`)]).toEqual([name, true]);
        expect(text).toContain(`listen_port = \${LISTEN_PORT:-${PGBOUNCER_IMAGE.listenPort}}`);
        expect(c.ports).toEqual([{ name: "client-port", containerPort: PGBOUNCER_IMAGE.listenPort }]);
        expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: PGBOUNCER_IMAGE.configDir }]);
        expect(text).toContain(`PG_CONFIG_DIR=${PGBOUNCER_IMAGE.configDir}\n`);
        expect(find(stackOf(label), "Service", "pg-bouncer").spec.ports).toEqual([
            { name: "client-port", port: 5432, targetPort: PGBOUNCER_IMAGE.listenPort },
        ]);
    });
    test("upstream: plaintext to the in-cluster server, TLS required to Flexible Server", () => {
        const dev = envOf(find(scenarioStack(stacks, 3), "Deployment", "pg-bouncer"));
        expect(dev.POSTGRESQL_HOST.value).toBe("postgres.pachyderm.svc.cluster.local");
        expect(dev[PGBOUNCER_IMAGE.serverTlsSslmodeEnv].value).toBe("disable");
        const flex = envOf(find(prod(), "Deployment", "pg-bouncer"));
        expect(flex.POSTGRESQL_HOST.value).toBe("psql-pachlab-prod.postgres.database.azure.com");
        expect(flex[PGBOUNCER_IMAGE.serverTlsSslmodeEnv].value).toBe("require");
        expect(flex.POSTGRESQL_PASSWORD).toEqual({
            name: "POSTGRESQL_PASSWORD",
            valueFrom: { secretKeyRef: { name: "postgres", key: "postgresql-password" } },
        });
    });
});

describe("secrets", () => {
    test("keyless: no storage key; every secret value is a Pulumi secret", () => {
        const s = find(dev(), "Secret", "pachyderm-storage-secret");
        expect(Object.keys(s.stringData)).toEqual(["AZURE_STORAGE_ACCOUNT"]);
        for (const o of dev().objects.filter((x) => x.kind === "Secret")) {
            for (const key of Object.keys((o as JsonValue).stringData)) expect(isSecretAt(o, `stringData.${key}`)).toBe(true);
        }
        expect(find(dev(), "ServiceAccount", "pachyderm").metadata.annotations["azure.workload.identity/client-id"]).toBe(
            "00000000-0000-0000-0000-000000000001",
        );
    });
    test("shared key: AZURE_STORAGE_KEY present and secret; no workload identity", () => {
        const s = find(prod(), "Secret", "pachyderm-storage-secret");
        expect(s.stringData.AZURE_STORAGE_KEY).toBe("account-key");
        expect(isSecretAt(s, "stringData.AZURE_STORAGE_KEY")).toBe(true);
        expect(isSecretAt(s, "metadata.name")).toBe(false);
        expect(find(prod(), "Deployment", "pachd").spec.template.metadata.labels["azure.workload.identity/use"]).toBeUndefined();
        expect(isSecretAt(find(prod(), "Secret", "postgres"), "stringData.postgresql-password")).toBe(true);
    });
    test("root token and deployment id come from @pulumi/random children", () => {
        const randoms = dev()
            .all.filter((c) => c.type === "random:index/randomPassword:RandomPassword")
            .map((c) => c.name);
        expect(randoms).toEqual(expect.arrayContaining(["p0-root-token", "p0-deployment-id"]));
        const token = dev().all.find((c) => c.name === "p0-root-token");
        const auth = dev().all.find((c) => c.type === "kubernetes:core/v1:Secret" && c.inputs.metadata.name === "pachyderm-auth");
        expect(token && auth && dependsOn(auth, token)).toBe(true);
    });
});

describe("etcd, volumes, reliability", () => {
    test("claims named for the StatefulSet, statically bound", () => {
        expect(etcdClaimName(2)).toBe("etcd-storage-etcd-2");
        expect(postgresClaimName()).toBe("postgres-storage-postgres-0");
        expect(workloadIdentitySubjects("pachyderm")).toContain("system:serviceaccount:pachyderm:pachyderm-worker");
        const claims = prod().objects.filter((o) => o.kind === "PersistentVolumeClaim") as JsonValue[];
        expect(claims.map((c) => [c.metadata.name, c.spec.volumeName, c.spec.storageClassName])).toEqual([
            ["etcd-storage-etcd-0", "pv-etcd-0", ""],
            ["etcd-storage-etcd-1", "pv-etcd-1", ""],
            ["etcd-storage-etcd-2", "pv-etcd-2", ""],
        ]);
        const sts = find(prod(), "StatefulSet", "etcd");
        expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe("etcd-storage");
        expect(sts.spec.podManagementPolicy).toBe("Parallel");
        expect(sts.spec.serviceName).toBe("etcd-headless");
        expect(sts.spec.template.spec.containers[0].image).toBe("pachyderm/etcd:v3.5.12");
        expect(sts.spec.template.spec.containers[0].args).toContain("--quota-backend-bytes=8589934592");
    });
    test("PDBs allow one eviction; none for single replicas", () => {
        expect(find(prod(), "PodDisruptionBudget", "etcd").spec.minAvailable).toBe(2);
        expect(find(prod(), "PodDisruptionBudget", "pachd").spec.maxUnavailable).toBe(1);
        // pg-bouncer carries every pooled query and Dex: two replicas on two nodes in production.
        expect(find(prod(), "PodDisruptionBudget", "pg-bouncer").spec.maxUnavailable).toBe(1);
        const bouncer = find(prod(), "Deployment", "pg-bouncer").spec;
        expect(bouncer.replicas).toBe(2);
        expect(bouncer.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe(
            "kubernetes.io/hostname",
        );
        expect(bouncer.template.spec.topologySpreadConstraints.map((t: JsonValue) => t.topologyKey)).toContain(
            "topology.kubernetes.io/zone",
        );
        expect(find(dev(), "Deployment", "pg-bouncer").spec.replicas).toBe(1);
        expect(dev().objects.filter((o) => o.kind === "PodDisruptionBudget")).toEqual([]);
    });
    test("etcd snapshot CronJob", () => {
        const cj = find(dev(), "CronJob", "etcd-backup");
        expect(cj.spec.schedule).toBe("0 */6 * * *");
        expect(cj.spec.concurrencyPolicy).toBe("Forbid");
        const pod = cj.spec.jobTemplate.spec.template.spec;
        // The integration test runs etcdSnapshotContainer(): it must be exactly what the CronJob renders.
        expect(pod.initContainers).toEqual([etcdSnapshotContainer()]);
        expect(pod.containers[0].image).toMatch(/^mcr\.microsoft\.com\/azure-cli:\d+\.\d+\.\d+$/);
        expect(pod.containers[0].command.slice(0, 2)).toEqual([AZURE_CLI_IMAGE.shell, "-c"]);
        expect(pod.containers[0].command[2]).toContain("--auth-mode login");
        expect(pod.containers[0].command[2]).toMatch(
            /--name "etcd-snapshots\/etcd-\$\(date -u \+%Y%m%dT%H%M%SZ\)\.db" --file \/snapshot\/etcd\.db /,
        );
        expect(find(prod(), "CronJob", "etcd-backup").spec.jobTemplate.spec.template.spec.containers[0].command[2]).toContain(
            "--auth-mode key",
        );
    });
    test.each(scenarios.map(([label]) => label))("%s: nothing runs a shell or another tool in the distroless etcd image", (label) => {
        // ETCD_IMAGE: gcr.io/etcd-development/etcd is distroless; only its binaries under /usr/local/bin exist.
        expect(ETCD_IMAGE.hasShell).toBe(false);
        const pods = stackOf(label).objects.flatMap((o: JsonValue) => {
            const spec = o.spec?.jobTemplate?.spec?.template?.spec ?? o.spec?.template?.spec;
            return spec ? [...(spec.initContainers ?? []), ...spec.containers] : [];
        });
        const inEtcdImage = pods.filter((c: JsonValue) => c.image === IMAGES.etcd);
        expect(inEtcdImage.length).toBeGreaterThan(1);
        for (const c of inEtcdImage) {
            expect(c.command?.[0]).toMatch(/^\/usr\/local\/bin\/etcd(ctl|utl)?$/);
            for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) expect(probe?.exec).toBeUndefined();
        }
    });
});

describe("network policies", () => {
    const names = (s: Stack) => s.objects.filter((o) => o.kind === "NetworkPolicy").map((o) => o.metadata.name);
    test("default deny plus explicit allows", () => {
        expect(names(dev())).toEqual(
            expect.arrayContaining([
                "default-deny-all",
                "allow-dns",
                "pachd-ingress",
                "etcd-ingress",
                "postgres-ingress",
                "pg-bouncer-ingress",
                "allow-egress-storage",
                "allow-egress-apiserver",
                "allow-egress-entra-id",
            ]),
        );
        expect(names(prod())).toEqual(
            expect.arrayContaining(["allow-egress-postgres", "pg-bouncer-ingress", "pg-bouncer-egress-postgres"]),
        );
        expect(names(prod())).not.toContain("postgres-ingress");
        expect(find(prod(), "NetworkPolicy", "pg-bouncer-egress-postgres").spec).toEqual({
            podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["pg-bouncer"] }] },
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "10.40.16.192/28" } }], ports: [{ protocol: "TCP", port: 5432 }] }],
        });
        expect(names(prod())).not.toContain("allow-egress-entra-id");
        const pachd = find(dev(), "NetworkPolicy", "pachd-ingress");
        expect(pachd.spec.ingress[0]).toEqual({
            from: [{ ipBlock: { cidr: "10.40.16.0/26" } }],
            ports: [
                { protocol: "TCP", port: 1650 },
                { protocol: "TCP", port: 1600 },
            ],
        });
        const api = find(dev(), "NetworkPolicy", "allow-egress-apiserver");
        expect(api.spec.egress[0].to).toEqual([{ ipBlock: { cidr: "20.1.2.3/32" } }]);
        expect(find(prod(), "NetworkPolicy", "allow-egress-postgres").spec.egress[0]).toEqual({
            to: [{ ipBlock: { cidr: "10.40.16.192/28" } }],
            ports: [{ protocol: "TCP", port: 5432 }],
        });
    });
});

describe("wiring assertions (config cannot produce these; a direct caller can)", () => {
    test("list every broken wire in one RunError and register nothing", () => {
        const bad = {
            ...prodArgs(),
            storage: { ...prodArgs().storage, accountKey: undefined },
            volumes: { ...prodArgs().volumes, etcdVolumeNames: ["a"] },
        };
        const before = captured.length;
        expect(() => new Pachyderm("bad", bad)).toThrow(
            /^Pachyderm bad: storage\.accountKey: required in sharedKey mode; volumes\.etcdVolumeNames: 1 volume\(s\) for 3 etcd member\(s\)$/,
        );
        expect(captured.length).toBe(before);
    });
});

describe("cluster defaults: one Job for the workers' label and tolerations", () => {
    const defaultsOf = (label: string) => {
        const cm = stackOf(label).objects.find(
            (o) => o.kind === "ConfigMap" && o.metadata?.name === K8S_NAMES.clusterDefaults,
        ) as JsonValue;
        return cm ? JSON.parse(cm.data[CLUSTER_DEFAULTS_FILE]) : undefined;
    };
    test("shared key without worker tolerations needs no defaults", () => {
        expect(defaultsOf(must(scenarios[2], "scenario")[0])).toBeUndefined();
    });
    test("keyless: the workload-identity label only", () => {
        expect(defaultsOf(must(scenarios[0], "scenario")[0])).toEqual({
            createPipelineRequest: { metadata: { labels: { "azure.workload.identity/use": "true" } } },
        });
    });
    test("shared key with Spot workers: the toleration in pps_v2 protojson (enum names)", () => {
        expect(defaultsOf(must(scenarios[4], "scenario")[0])).toEqual({
            createPipelineRequest: {
                metadata: { labels: {} },
                tolerations: [{ key: "kubernetes.azure.com/scalesetpriority", operator: "EQUAL", value: "spot", effect: "NO_SCHEDULE" }],
            },
        });
    });
});
