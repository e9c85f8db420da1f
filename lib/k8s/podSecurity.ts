/**
 * The Pod Security Standards' baseline and restricted checks, as the Pod Security admission controller
 * applies them at version "latest" (https://kubernetes.io/docs/concepts/security/pod-security-standards/;
 * implementation: github:kubernetes/kubernetes staging/src/k8s.io/pod-security-admission/policy/check_*.go).
 * Values are compared exactly as the admission controller does: `drop: ["all"]` does not satisfy
 * "must drop ALL" (check_capabilities_restricted.go compares with "ALL").
 */

type PodSecurityLevel = "privileged" | "baseline" | "restricted";

interface PodSecurityViolation {
    level: "baseline" | "restricted";
    check: string;
    detail: string;
}

/** The fields of core/v1 SecurityContext the checks read. */
interface SecurityContext {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    procMount?: string;
    capabilities?: { add?: string[]; drop?: string[] };
    seLinuxOptions?: { type?: string; user?: string; role?: string };
    seccompProfile?: { type?: string };
    appArmorProfile?: { type?: string };
    windowsOptions?: { hostProcess?: boolean };
}
type PodSecurityContext = Omit<SecurityContext, "privileged" | "allowPrivilegeEscalation" | "procMount" | "capabilities"> & {
    sysctls?: { name: string }[];
};
/** A probe or lifecycle handler: only its host fields matter. */
interface Handler {
    httpGet?: { host?: string };
    tcpSocket?: { host?: string };
}
interface Container {
    name: string;
    securityContext?: SecurityContext;
    ports?: { hostPort?: number }[];
    livenessProbe?: Handler;
    readinessProbe?: Handler;
    startupProbe?: Handler;
    lifecycle?: { postStart?: Handler; preStop?: Handler };
}
/** The fields of core/v1 PodSpec the checks read. */
interface PodSpec {
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    securityContext?: PodSecurityContext;
    /** A volume's source is its one key besides `name` (hostPath, configMap, …). */
    volumes?: { name: string; hostPath?: unknown }[];
    initContainers?: Container[];
    containers?: Container[];
    ephemeralContainers?: Container[];
}

interface PodLike {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: PodSpec;
}

type Check = { id: string; level: "baseline" | "restricted"; run: (meta: PodLike["metadata"], spec: PodSpec) => string[] };

const containersOf = (spec: PodSpec): Container[] => [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
    ...(spec.ephemeralContainers ?? []),
];
const sc = (c: Container): SecurityContext => c.securityContext ?? {};
const psc = (spec: PodSpec): PodSecurityContext => spec.securityContext ?? {};

/** Capabilities a container may add under baseline (check_capabilities_baseline.go). */
const BASELINE_CAPABILITIES = new Set([
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
]);
/** Safe sysctls (check_sysctls.go, latest version). */
const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
]);
/** Volume types restricted allows (check_restrictedVolumes.go). */
const RESTRICTED_VOLUME_TYPES = new Set([
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

const CHECKS: Check[] = [
    {
        id: "hostProcess",
        level: "baseline",
        run: (_m, spec) => [
            ...(psc(spec).windowsOptions?.hostProcess === true ? ["pod sets windowsOptions.hostProcess"] : []),
            ...containersOf(spec)
                .filter((c) => sc(c).windowsOptions?.hostProcess === true)
                .map((c) => `container ${c.name} sets windowsOptions.hostProcess`),
        ],
    },
    {
        id: "hostNamespaces",
        level: "baseline",
        run: (_m, spec) => (["hostNetwork", "hostPID", "hostIPC"] as const).filter((k) => spec[k] === true).map((k) => `${k}=true`),
    },
    {
        id: "privileged",
        level: "baseline",
        run: (_m, spec) =>
            containersOf(spec)
                .filter((c) => sc(c).privileged === true)
                .map((c) => `container ${c.name} is privileged`),
    },
    {
        id: "capabilities_baseline",
        level: "baseline",
        run: (_m, spec) =>
            containersOf(spec).flatMap((c) =>
                (sc(c).capabilities?.add ?? [])
                    .filter((cap) => !BASELINE_CAPABILITIES.has(cap))
                    .map((cap) => `container ${c.name} adds ${cap}`),
            ),
    },
    {
        id: "hostPathVolumes",
        level: "baseline",
        run: (_m, spec) => (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => `volume ${v.name} is hostPath`),
    },
    {
        id: "hostPorts",
        level: "baseline",
        run: (_m, spec) =>
            containersOf(spec).flatMap((c) =>
                (c.ports ?? [])
                    .filter((p) => p.hostPort !== undefined && p.hostPort !== 0)
                    .map((p) => `container ${c.name} uses hostPort ${p.hostPort}`),
            ),
    },
    {
        id: "appArmorProfile",
        level: "baseline",
        run: (meta, spec) => {
            const ok = (t: unknown) => t === undefined || t === "RuntimeDefault" || t === "Localhost";
            const annotations = Object.entries(meta?.annotations ?? {})
                .filter(
                    ([k, v]) =>
                        k.startsWith("container.apparmor.security.beta.kubernetes.io/") &&
                        v !== "runtime/default" &&
                        !v.startsWith("localhost/"),
                )
                .map(([k, v]) => `annotation ${k}=${v}`);
            return [
                ...annotations,
                ...(ok(psc(spec).appArmorProfile?.type) ? [] : [`pod appArmorProfile ${psc(spec).appArmorProfile?.type}`]),
                ...containersOf(spec)
                    .filter((c) => !ok(sc(c).appArmorProfile?.type))
                    .map((c) => `container ${c.name} appArmorProfile ${sc(c).appArmorProfile?.type}`),
            ];
        },
    },
    {
        id: "seLinuxOptions",
        level: "baseline",
        run: (_m, spec) => {
            const bad = (o: SecurityContext["seLinuxOptions"]) =>
                o !== undefined && (!SELINUX_TYPES.has(o.type ?? "") || (o.user ?? "") !== "" || (o.role ?? "") !== "");
            return [
                ...(bad(psc(spec).seLinuxOptions) ? ["pod seLinuxOptions"] : []),
                ...containersOf(spec)
                    .filter((c) => bad(sc(c).seLinuxOptions))
                    .map((c) => `container ${c.name} seLinuxOptions`),
            ];
        },
    },
    {
        id: "procMount",
        level: "baseline",
        run: (_m, spec) =>
            containersOf(spec)
                .filter((c) => sc(c).procMount !== undefined && sc(c).procMount !== "Default")
                .map((c) => `container ${c.name} procMount ${sc(c).procMount}`),
    },
    {
        id: "seccompProfile_baseline",
        level: "baseline",
        run: (_m, spec) => [
            ...(psc(spec).seccompProfile?.type === "Unconfined" ? ["pod seccompProfile Unconfined"] : []),
            ...containersOf(spec)
                .filter((c) => sc(c).seccompProfile?.type === "Unconfined")
                .map((c) => `container ${c.name} seccompProfile Unconfined`),
        ],
    },
    {
        id: "sysctls",
        level: "baseline",
        run: (_m, spec) => (psc(spec).sysctls ?? []).filter((s) => !SAFE_SYSCTLS.has(s.name)).map((s) => `sysctl ${s.name}`),
    },
    {
        id: "hostProbesAndHostLifecycle",
        level: "baseline",
        run: (_m, spec) =>
            containersOf(spec).flatMap((c) => {
                const handlers = [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop];
                return handlers
                    .flatMap((h) => [h?.httpGet?.host, h?.tcpSocket?.host])
                    .filter((h) => h !== undefined && h !== "")
                    .map((h) => `container ${c.name} probe/lifecycle host ${h}`);
            }),
    },
    {
        id: "restrictedVolumes",
        level: "restricted",
        run: (_m, spec) =>
            (spec.volumes ?? []).flatMap((v) => {
                const types = Object.keys(v).filter((k) => k !== "name");
                return types.filter((t) => !RESTRICTED_VOLUME_TYPES.has(t)).map((t) => `volume ${v.name} is ${t}`);
            }),
    },
    {
        id: "allowPrivilegeEscalation",
        level: "restricted",
        run: (_m, spec) =>
            containersOf(spec)
                .filter((c) => sc(c).allowPrivilegeEscalation !== false)
                .map((c) => `container ${c.name} must set allowPrivilegeEscalation=false`),
    },
    {
        id: "runAsNonRoot",
        level: "restricted",
        run: (_m, spec) => {
            const pod = psc(spec).runAsNonRoot;
            const out = pod === false ? ["pod sets runAsNonRoot=false"] : [];
            for (const c of containersOf(spec)) {
                const v = sc(c).runAsNonRoot;
                if (v === false) out.push(`container ${c.name} sets runAsNonRoot=false`);
                else if (v === undefined && pod !== true) out.push(`pod or container ${c.name} must set runAsNonRoot=true`);
            }
            return out;
        },
    },
    {
        id: "runAsUser",
        level: "restricted",
        run: (_m, spec) => [
            ...(psc(spec).runAsUser === 0 ? ["pod runAsUser=0"] : []),
            ...containersOf(spec)
                .filter((c) => sc(c).runAsUser === 0)
                .map((c) => `container ${c.name} runAsUser=0`),
        ],
    },
    {
        id: "seccompProfile_restricted",
        level: "restricted",
        run: (_m, spec) => {
            const valid = (t: unknown) => t === "RuntimeDefault" || t === "Localhost";
            const pod = psc(spec).seccompProfile;
            const out = pod !== undefined && !valid(pod.type) ? [`pod seccompProfile ${pod.type}`] : [];
            const podSet = pod !== undefined && valid(pod.type);
            for (const c of containersOf(spec)) {
                const t = sc(c).seccompProfile;
                if (t !== undefined) {
                    if (!valid(t.type)) out.push(`container ${c.name} seccompProfile ${t.type}`);
                } else if (!podSet) out.push(`pod or container ${c.name} must set seccompProfile RuntimeDefault or Localhost`);
            }
            return out;
        },
    },
    {
        id: "capabilities_restricted",
        level: "restricted",
        run: (_m, spec) =>
            containersOf(spec).flatMap((c) => [
                ...((sc(c).capabilities?.drop ?? []).includes("ALL") ? [] : [`container ${c.name} must drop ["ALL"]`]),
                ...(sc(c).capabilities?.add ?? [])
                    .filter((cap) => cap !== "NET_BIND_SERVICE")
                    .map((cap) => `container ${c.name} adds ${cap}`),
            ]),
    },
];

/** Every violation of the given level (baseline checks are part of restricted); `privileged` allows everything. */
export function podSecurityViolations(level: PodSecurityLevel, pod: PodLike): PodSecurityViolation[] {
    if (level === "privileged") return [];
    const checks = CHECKS.filter((c) => level === "restricted" || c.level === "baseline");
    return checks.flatMap((c) => c.run(pod.metadata, pod.spec).map((detail) => ({ level: c.level, check: c.id, detail })));
}

/** The Pod Security labels of a namespace, with the admission controller's defaults for missing ones (privileged). */
export function namespacePodSecurity(labels: Record<string, string> | undefined): {
    enforce: PodSecurityLevel;
    audit: PodSecurityLevel;
    warn: PodSecurityLevel;
} {
    const get = (mode: string): PodSecurityLevel => {
        const v = labels?.[`pod-security.kubernetes.io/${mode}`];
        if (v === undefined) return "privileged";
        if (v !== "privileged" && v !== "baseline" && v !== "restricted")
            throw new Error(`pod-security.kubernetes.io/${mode}: "${v}" is not a level`);
        return v;
    };
    return { enforce: get("enforce"), audit: get("audit"), warn: get("warn") };
}
