import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { IDP_CONNECTOR_FIELDS, OIDC_CONFIG_FIELDS, USER_ACCESSIBLE_ISSUER_HOST_FORMAT } from "../../lib/facts/pachyderm";
import { connectionAllowed, NetworkPolicyObject } from "../../lib/k8s/networkPolicy";
import { captureResources, settle } from "../helpers/mockHarness";
import type { JsonValue } from "../../lib/json";

/**
 * Upstream OIDC (issue 12, item 12), against pachd 2.12's own parsing: IDP_CONNECTORS entries are protojson
 * IDPConnector messages (unknown fields refused), AUTH_CONFIG is an OIDCConfig, and every URL a browser
 * follows during `pachctl auth login` names a port the internal load balancer exposes and pachd's
 * NetworkPolicy admits from the ingress subnet.
 */
const captured = captureResources();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Pachyderm } = require("../../components/pachyderm") as typeof import("../../components/pachyderm");

const ingressSubnet = "10.40.16.0/26";
const lbIp = "10.40.15.250";

beforeAll(async () => {
    const p = new Pachyderm("oidc", {
        namespace: "pachyderm",
        version: "2.12.2",
        environmentKind: "dev",
        zones: [],
        storage: {
            accountName: "st",
            containerName: "pachyderm",
            blobEndpoint: "https://st.blob.core.windows.net/",
            authMode: "workloadIdentity",
            identityClientId: "00000000-0000-0000-0000-000000000001",
            privateEndpointsCidr: "10.40.16.128/26",
        },
        volumes: { kind: "managedDisk", etcdVolumeNames: ["pv-etcd-0"], etcdSizeGi: 64, postgresVolumeName: "pv-pg", postgresSizeGi: 64 },
        postgres: { kind: "inCluster", user: "pachyderm", password: pulumi.secret("pw") },
        network: { ingressSubnetCidr: ingressSubnet, aksSubnetCidr: "10.40.0.0/20", apiServerCidrs: ["20.1.2.3/32"] },
        pachd: {
            replicas: 1,
            internalLbIp: lbIp,
            idleTimeoutMinutes: 30,
            resources: { cpuRequest: "1", memoryRequest: "2Gi", memoryLimit: "4Gi" },
        },
        etcd: { replicas: 1, resources: { cpuRequest: "1", memoryRequest: "1Gi", memoryLimit: "2Gi" }, backupSchedule: "0 */6 * * *" },
        console: false,
        workerTolerations: [],
        oidc: { issuer: "https://login.microsoftonline.com/tenant/v2.0", clientId: "pachyderm", clientSecret: pulumi.secret("s") },
    });
    await settle(p.namespace);
});

const object = (kind: string, name: string) => {
    const r = captured.find((c) => c.type.endsWith(`:${kind}`) && c.inputs.metadata?.name === name);
    if (!r) throw new Error(`no ${kind}/${name}`);
    return r.inputs;
};

describe("upstream OIDC", () => {
    it("renders IDP connectors with IDPConnector fields only (src/identity/identity.proto)", () => {
        const connectors = JSON.parse(object("Secret", "pachyderm-identity").stringData["upstream-idps"]);
        expect(connectors.length).toBe(1);
        for (const c of connectors) {
            expect(Object.keys(c).filter((k) => !(IDP_CONNECTOR_FIELDS as readonly string[]).includes(k))).toEqual([]);
            expect(c.config.issuer).toBe("https://login.microsoftonline.com/tenant/v2.0");
        }
    });

    it("renders AUTH_CONFIG with OIDCConfig fields only, including a full user_accessible_issuer_host", () => {
        const config = parse(object("Secret", "pachyderm-auth").stringData["auth-config"]);
        expect(Object.keys(config).filter((k) => !(OIDC_CONFIG_FIELDS as readonly string[]).includes(k))).toEqual([]);
        expect(config.user_accessible_issuer_host).toMatch(USER_ACCESSIBLE_ISSUER_HOST_FORMAT);
    });

    it("exposes every port a browser is sent to, and lets the ingress subnet reach it", () => {
        const auth = parse(object("Secret", "pachyderm-auth").stringData["auth-config"]);
        const clients = parse(object("ConfigMap", "pachyderm-identity-config").data["oidc-clients"]);
        const connectors = JSON.parse(object("Secret", "pachyderm-identity").stringData["upstream-idps"]);
        const urls: string[] = [
            auth.redirect_uri,
            auth.user_accessible_issuer_host,
            ...clients.flatMap((c: JsonValue) => c.redirect_uris),
            ...connectors.map((c: JsonValue) => c.config.redirectURI),
        ];
        const lb = object("Service", "pachd-lb");
        const policies = captured.filter((c) => c.type.endsWith(":NetworkPolicy")).map((c) => c.inputs as NetworkPolicyObject);
        const pachdPod = object("Deployment", "pachd").spec.template;
        const problems: string[] = [];
        for (const u of urls) {
            const url = new URL(u);
            const port = Number(url.port);
            if (url.hostname !== lbIp) problems.push(`${u}: not the internal load balancer`);
            const svcPort = lb.spec.ports.find((p: JsonValue) => p.port === port);
            if (!svcPort) {
                problems.push(`${u}: port ${port} not on pachd-lb`);
                continue;
            }
            const allowed = connectionAllowed(
                policies,
                { pachyderm: { "kubernetes.io/metadata.name": "pachyderm" } },
                {
                    from: { kind: "ip", ip: "10.40.16.4" },
                    to: { kind: "pod", namespace: "pachyderm", labels: pachdPod.metadata.labels, ports: pachdPod.spec.containers[0].ports },
                    port: svcPort.targetPort,
                    protocol: "TCP",
                },
            );
            if (!allowed) problems.push(`${u}: pachd-ingress refuses the ingress subnet on ${svcPort.targetPort}`);
        }
        expect(urls.length).toBe(4);
        expect(problems).toEqual([]);
    });
});
