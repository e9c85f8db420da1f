import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { containerSecurityContext, emptyDir, labels, podSecurityContext, resources, selector } from "./common";
import { NONROOT_UID } from "./etcd";
import { CONSOLE_PORT, IMAGES, K8S_NAMES, PACHD_PORTS } from "./names";
import { BuildContext } from "./types";

/** Console (haberdashery): ClusterIP only, reached with `kubectl port-forward`. */
export function createConsole(ctx: BuildContext): pulumi.Resource[] {
    const { name, parent, args, namespace } = ctx;
    const app = K8S_NAMES.console;
    const probe: k8s.types.input.core.v1.Probe = { tcpSocket: { port: CONSOLE_PORT }, periodSeconds: 10, timeoutSeconds: 5 };
    const deployment = new k8s.apps.v1.Deployment(
        `${name}-console`,
        {
            metadata: { name: app, namespace, labels: labels(app) },
            spec: {
                replicas: 1,
                selector: { matchLabels: selector(app) },
                template: {
                    metadata: { labels: labels(app) },
                    spec: {
                        serviceAccountName: K8S_NAMES.consoleServiceAccount,
                        automountServiceAccountToken: false,
                        securityContext: podSecurityContext(NONROOT_UID),
                        containers: [
                            {
                                name: "console",
                                image: IMAGES.console(args.version),
                                env: [
                                    {
                                        name: "PACHD_ADDRESS",
                                        value: pulumi.interpolate`${K8S_NAMES.pachdPeer}.${namespace}.svc.cluster.local:${PACHD_PORTS.peer.service}`,
                                    },
                                    { name: "CONSOLE_PORT", value: String(CONSOLE_PORT) },
                                ],
                                ports: [{ name: "console-http", containerPort: CONSOLE_PORT }],
                                readinessProbe: probe,
                                livenessProbe: { ...probe, failureThreshold: 6 },
                                resources: resources({ cpuRequest: "100m", memoryRequest: "256Mi", memoryLimit: "512Mi" }),
                                securityContext: containerSecurityContext(),
                                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                            },
                        ],
                        volumes: [emptyDir("tmp")],
                    },
                },
            },
        },
        { parent },
    );
    const service = new k8s.core.v1.Service(
        `${name}-console`,
        {
            metadata: { name: app, namespace, labels: labels(app) },
            spec: {
                type: "ClusterIP",
                selector: selector(app),
                ports: [{ name: "console-http", port: CONSOLE_PORT, targetPort: CONSOLE_PORT }],
            },
        },
        { parent },
    );
    return [deployment, service];
}
