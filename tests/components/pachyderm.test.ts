import * as pulumi from "@pulumi/pulumi";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { AZURE_CLI_IMAGE, ETCD_IMAGE, PACHD_POSTGRES, PGBOUNCER_IMAGE } from "../../lib/facts/pachyderm";
import { IMAGES, K8S_NAMES } from "../../components/pachyderm/names";
import { validateK8sObject } from "../helpers/k8sValidation";
import { evaluateManifests, Manifest } from "../helpers/policyEngine";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

interface Captured {
    type: string;
    name: string;
    inputs: any;
    secretPaths: string[];
}
const captured: Captured[] = [];

/** Replaces secret markers by their value and records where they were. */
function unwrap(value: any, at: string, paths: string[]): any {
    if (Array.isArray(value)) return value.map((v, i) => unwrap(v, `${at}/${i}`, paths));
    if (value && typeof value === "object") {
        if (value[SECRET_SIG] === SECRET_VALUE) {
            paths.push(at);
            return unwrap(value.value, at, paths);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v, `${at}/${k}`, paths)]));
    }
    return value;
}

pulumi.runtime.setMocks(
    {
        newResource(args) {
            const secretPaths: string[] = [];
            const inputs = unwrap(args.inputs, "", secretPaths);
            captured.push({ type: args.type, name: args.name, inputs, secretPaths });
            const state =
                args.type === "random:index/randomPassword:RandomPassword" ? { ...args.inputs, result: `pw-${args.name}` } : args.inputs;
            return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
    },
    "project",
    "stack",
    false,
);

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
type Args = import("../../components/pachyderm").PachydermArgs;

const base = (over: Partial<Args> = {}): Args => ({
    namespace: "pachyderm",
    version: "2.12.2",
    environmentKind: "dev",
    zones: [],
    storage: {
        accountName: "stpachlabdev123456",
        containerName: "pachyderm",
        blobEndpoint: "https://stpachlabdev123456.blob.core.windows.net/",
        authMode: "workloadIdentity",
        identityClientId: "00000000-0000-0000-0000-000000000001",
        privateEndpointsCidr: "10.40.16.128/26",
    },
    volumes: {
        kind: "managedDisk",
        etcdVolumeNames: ["pv-etcd-0"],
        etcdSizeGi: 256,
        postgresVolumeName: "pv-postgres",
        postgresSizeGi: 256,
    },
    postgres: { kind: "inCluster", user: "pachyderm", password: pulumi.secret("pg-pass") },
    network: { ingressSubnetCidr: "10.40.16.0/26", aksSubnetCidr: "10.40.0.0/20", apiServerCidrs: [pulumi.output("20.1.2.3/32")] },
    pachd: {
        replicas: 1,
        internalLbIp: "10.40.15.250",
        idleTimeoutMinutes: 30,
        resources: { cpuRequest: "1", memoryRequest: "2Gi", memoryLimit: "4Gi" },
    },
    etcd: { replicas: 1, resources: { cpuRequest: "500m", memoryRequest: "1Gi", memoryLimit: "2Gi" }, backupSchedule: "0 */6 * * *" },
    console: false,
    workerTolerations: [],
    ...over,
});

const prodArgs = (): Args =>
    base({
        environmentKind: "prod",
        zones: ["1", "2", "3"],
        storage: { ...base().storage, authMode: "sharedKey", identityClientId: undefined, accountKey: pulumi.secret("account-key") },
        volumes: { kind: "glusterfs", etcdVolumeNames: ["pv-etcd-0", "pv-etcd-1", "pv-etcd-2"], etcdSizeGi: 256 },
        postgres: {
            kind: "azureFlexible",
            host: "psql-pachlab-prod.postgres.database.azure.com",
            user: "pachyderm",
            password: pulumi.secret("pg-pass"),
            subnetCidr: "10.40.16.192/28",
        },
        pachd: { ...base().pachd, replicas: 2 },
        etcd: { ...base().etcd, replicas: 3 },
        console: true,
        oidc: { issuer: "https://login.example.com", clientId: "pachyderm", clientSecret: pulumi.secret("oidc-secret") },
    });

interface Stack {
    comp: InstanceType<typeof Pachyderm>;
    objects: (Manifest & { secretPaths: string[] })[];
    all: Captured[];
}

async function build(name: string, args: Args): Promise<Stack> {
    const comp = new Pachyderm(name, args);
    await new Promise((resolve) => comp.grpcAddress.apply(resolve));
    // Wait until every child is registered (the count stops growing).
    let last = -1;
    while (last !== captured.length) {
        last = captured.length;
        await new Promise((r) => setTimeout(r, 50));
    }
    const all = captured.filter((c) => c.name.startsWith(`${name}-`));
    const objects = all.filter((c) => c.type.startsWith("kubernetes:")).map((c) => ({ ...c.inputs, secretPaths: c.secretPaths }));
    return { comp, objects, all };
}

/** A value is secret when it, or an object holding it, was marked secret (the k8s SDK marks all of stringData). */
const isSecretAt = (o: { secretPaths: string[] }, at: string) => o.secretPaths.some((p) => at === p || at.startsWith(`${p}/`));
const manifest = ({ secretPaths: _s, ...o }: any) => o;
const find = (s: Stack, kind: string, name: string) => {
    const o = s.objects.find((x) => x.kind === kind && x.metadata?.name === name);
    if (!o) throw new Error(`${kind}/${name} not found`);
    return o as any;
};
const envOf = (d: any) => Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));

const scenarios: [string, () => Args, "dev" | "prod"][] = [
    ["dev, keyless, in-cluster postgres", () => base(), "dev"],
    ["prod, shared key, flexible server, console, oidc", prodArgs, "prod"],
    [
        "dev, shared key, in-cluster, console",
        () =>
            base({
                storage: { ...base().storage, authMode: "sharedKey", identityClientId: undefined, accountKey: pulumi.secret("k") },
                console: true,
            }),
        "dev",
    ],
    [
        "prod, keyless, in-cluster postgres",
        () => ({
            ...prodArgs(),
            storage: base().storage,
            postgres: base().postgres,
            volumes: { ...prodArgs().volumes, postgresVolumeName: "pv-pg" },
        }),
        "prod",
    ],
    [
        "dev, shared key, Spot workers",
        () =>
            base({
                storage: { ...base().storage, authMode: "sharedKey", identityClientId: undefined, accountKey: pulumi.secret("k") },
                workerTolerations: [
                    { key: "kubernetes.azure.com/scalesetpriority", operator: "Equal", value: "spot", effect: "NoSchedule" },
                ],
            }),
        "dev",
    ],
];

const stacks = new Map<string, Stack>();
beforeAll(async () => {
    for (const [i, [label, args]] of scenarios.entries()) stacks.set(label, await build(`p${i}`, args()));
});
const dev = () => stacks.get(scenarios[0][0])!;
const prod = () => stacks.get(scenarios[1][0])!;

describe.each(scenarios)("%s", (label, _args, env) => {
    test("every object passes schema validation (no unknown fields)", () => {
        const errors = stacks
            .get(label)!
            .objects.flatMap((o) => validateK8sObject(manifest(o)).map((e) => `${o.kind}/${o.metadata.name}${e}`));
        expect(errors).toEqual([]);
    });
    test("the policy pack finds no violation", async () => {
        expect(await evaluateManifests(stacks.get(label)!.objects.map(manifest), env)).toEqual([]);
    });
    test("every object carries app/suite labels and an explicit namespace", () => {
        for (const o of stacks.get(label)!.objects) {
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
        expect(d.spec.template.spec.containers[0].envFrom.map((x: any) => x.secretRef?.name).filter(Boolean)).toEqual([
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
        expect(lb.spec.ports.map((p: any) => p.port).sort()).toEqual([30600, 30650]);
        expect(lb.spec.externalTrafficPolicy).toBe("Local");
        expect(find(dev(), "Service", "pachd").spec.ports.find((p: any) => p.port === 30650).targetPort).toBe(1650);
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
        const d = find(stacks.get(label)!, "Deployment", "pg-bouncer");
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
        expect(find(stacks.get(label)!, "Service", "pg-bouncer").spec.ports).toEqual([
            { name: "client-port", port: 5432, targetPort: PGBOUNCER_IMAGE.listenPort },
        ]);
    });
    test("upstream: plaintext to the in-cluster server, TLS required to Flexible Server", () => {
        const dev = envOf(find(stacks.get(scenarios[3][0])!, "Deployment", "pg-bouncer"));
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
            for (const key of Object.keys((o as any).stringData)) expect(isSecretAt(o, `/stringData/${key}`)).toBe(true);
        }
        expect(find(dev(), "ServiceAccount", "pachyderm").metadata.annotations["azure.workload.identity/client-id"]).toBe(
            "00000000-0000-0000-0000-000000000001",
        );
    });
    test("shared key: AZURE_STORAGE_KEY present and secret; no workload identity", () => {
        const s = find(prod(), "Secret", "pachyderm-storage-secret");
        expect(s.stringData.AZURE_STORAGE_KEY).toBe("account-key");
        expect(isSecretAt(s, "/stringData/AZURE_STORAGE_KEY")).toBe(true);
        expect(isSecretAt(s, "/metadata/name")).toBe(false);
        expect(find(prod(), "Deployment", "pachd").spec.template.metadata.labels["azure.workload.identity/use"]).toBeUndefined();
        expect(isSecretAt(find(prod(), "Secret", "postgres"), "/stringData/postgresql-password")).toBe(true);
    });
    test("root token and deployment id come from @pulumi/random children", () => {
        const randoms = dev()
            .all.filter((c) => c.type === "random:index/randomPassword:RandomPassword")
            .map((c) => c.name);
        expect(randoms).toEqual(expect.arrayContaining(["p0-root-token", "p0-deployment-id"]));
        expect(find(dev(), "Secret", "pachyderm-auth").stringData["root-token"]).toBe("pw-p0-root-token");
    });
});

describe("etcd, volumes, reliability", () => {
    test("claims named for the StatefulSet, statically bound", () => {
        expect(etcdClaimName(2)).toBe("etcd-storage-etcd-2");
        expect(postgresClaimName()).toBe("postgres-storage-postgres-0");
        expect(workloadIdentitySubjects("pachyderm")).toContain("system:serviceaccount:pachyderm:pachyderm-worker");
        const claims = prod().objects.filter((o) => o.kind === "PersistentVolumeClaim") as any[];
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
        expect(bouncer.template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toContain("topology.kubernetes.io/zone");
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
        const pods = stacks.get(label)!.objects.flatMap((o: any) => {
            const spec = o.spec?.jobTemplate?.spec?.template?.spec ?? o.spec?.template?.spec;
            return spec ? [...(spec.initContainers ?? []), ...spec.containers] : [];
        });
        const inEtcdImage = pods.filter((c: any) => c.image === IMAGES.etcd);
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

describe("the validators catch broken objects", () => {
    const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o));
    const objs = () => prod().objects.map(manifest).map(clone);
    const rulesOf = (o: Manifest[]) => evaluateManifests(o, "prod");
    const pachdOf = (o: any[]) => o.find((x) => x.kind === "Deployment" && x.metadata.name === "pachd");

    test("readOnlyRootFilesystem removed -> rule 34", async () => {
        const o = objs();
        delete pachdOf(o).spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem;
        expect(await rulesOf(o)).toEqual([
            expect.objectContaining({
                rule: "34",
                urn: expect.stringMatching(/:Deployment::pachyderm\/pachd$/),
                message: expect.stringMatching(/readOnlyRootFilesystem/),
            }),
        ]);
    });
    test(":latest and a missing probe -> rule 35", async () => {
        const o = objs();
        const c = pachdOf(o).spec.template.spec.containers[0];
        c.image = "pachyderm/pachd:latest";
        delete c.livenessProbe;
        expect((await rulesOf(o)).map((f) => f.rule)).toEqual(["35", "35"]);
    });
    test("a public load balancer and a NodePort -> rule 28", async () => {
        const o = objs();
        const lb = o.find((x: any) => x.metadata.name === "pachd-lb")!;
        delete lb.metadata.annotations!["service.beta.kubernetes.io/azure-load-balancer-internal"];
        o.find((x: any) => x.metadata.name === "console" && x.kind === "Service")!.spec.type = "NodePort";
        expect((await rulesOf(o)).map((f) => f.rule)).toEqual(["28", "28"]);
    });
    test("token automount on a store, a PDB allowing nothing, etcd open to everyone, no default deny", async () => {
        const o = objs();
        o.find((x: any) => x.kind === "StatefulSet" && x.metadata.name === "etcd")!.spec.template.spec.automountServiceAccountToken = true;
        o.find((x: any) => x.kind === "PodDisruptionBudget" && x.metadata.name === "etcd")!.spec.minAvailable = 3;
        o.find((x: any) => x.metadata.name === "etcd-ingress")!.spec.ingress.push({ from: [{ podSelector: {} }] });
        const withoutDeny = o.filter((x: any) => x.metadata.name !== "default-deny-all");
        expect((await rulesOf(withoutDeny)).map((f) => f.rule).sort()).toEqual(["36", "37", "38", "38"]);
    });
    test("removing the backup job and the zone spread -> rule 37", async () => {
        const o = objs().filter((x: any) => x.kind !== "CronJob");
        delete pachdOf(o).spec.template.spec.topologySpreadConstraints;
        expect((await rulesOf(o)).map((f) => f.message)).toEqual([expect.stringMatching(/zone/), expect.stringMatching(/snapshot/)]);
    });
    test("schema: unknown field, wrong type, missing required field", () => {
        const d = clone(manifest(pachdOf(objs())));
        d.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true; // typo
        d.spec.replicas = "two";
        delete d.spec.selector;
        const errors = validateK8sObject(d);
        expect(errors).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/containers\/0\/securityContext\/readOnlyRootFileSystem: unknown field/),
                expect.stringMatching(/^\/spec\/replicas: /),
                expect.stringMatching(/selector/),
            ]),
        );
        expect(validateK8sObject({ apiVersion: "apps/v1", kind: "Deploymnet", metadata: { name: "x" } })).toEqual([
            expect.stringMatching(/no model/),
        ]);
    });
});

describe("cluster defaults: one Job for the workers' label and tolerations", () => {
    const defaultsOf = (label: string) => {
        const cm = stacks.get(label)!.objects.find((o) => o.kind === "ConfigMap" && o.metadata?.name === K8S_NAMES.clusterDefaults) as any;
        return cm ? JSON.parse(cm.data[CLUSTER_DEFAULTS_FILE]) : undefined;
    };
    test("shared key without worker tolerations needs no defaults", () => {
        expect(defaultsOf(scenarios[2][0])).toBeUndefined();
    });
    test("keyless: the workload-identity label only", () => {
        expect(defaultsOf(scenarios[0][0])).toEqual({
            createPipelineRequest: { metadata: { labels: { "azure.workload.identity/use": "true" } } },
        });
    });
    test("shared key with Spot workers: the toleration in pps_v2 protojson (enum names)", () => {
        expect(defaultsOf(scenarios[4][0])).toEqual({
            createPipelineRequest: {
                metadata: { labels: {} },
                tolerations: [{ key: "kubernetes.azure.com/scalesetpriority", operator: "EQUAL", value: "spot", effect: "NO_SCHEDULE" }],
            },
        });
    });
});
