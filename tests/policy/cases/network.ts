/** Network, ingress VM and load balancers (docs/policy.md rules 23-28): the compliant and violating cases of tests/policy/rules.test.ts. */
import { ids, NS, res } from "../fixtures";
import { RuleCases, golden } from "./shared";

export const NETWORK_CASES: Record<string, RuleCases> = {
    "nsg-no-admin-ports-from-internet": {
        compliant: golden,
        violating: [
            {
                title: "SSH from Internet",
                mutate: (s) => {
                    const r = s.in("nsg-ingress").securityRules[1];
                    delete r.sourceAddressPrefixes;
                    r.sourceAddressPrefix = "Internet";
                },
            },
            {
                title: "range covering 3389 from *",
                mutate: (s) => {
                    s.in("nsg-aks").securityRules.push({
                        name: "wide",
                        priority: 200,
                        direction: "Inbound",
                        access: "Allow",
                        protocol: "*",
                        sourceAddressPrefix: "*",
                        sourcePortRange: "*",
                        destinationAddressPrefix: "*",
                        destinationPortRange: "3000-4000",
                    });
                },
            },
            {
                title: "standalone SecurityRule 22 from 0.0.0.0/0",
                mutate: (s) => {
                    s.add(
                        res("azure-native:network:SecurityRule", "ssh-open", {
                            resourceGroupName: "rg-pachlab-test",
                            networkSecurityGroupName: "nsg-pachlab-test-ingress",
                            priority: 300,
                            direction: "Inbound",
                            access: "Allow",
                            protocol: "Tcp",
                            sourceAddressPrefix: "0.0.0.0/0",
                            sourcePortRange: "*",
                            destinationAddressPrefix: "*",
                            destinationPortRanges: ["22", "443"],
                        }),
                    );
                },
            },
        ],
    },
    "subnet-has-nsg": {
        compliant: golden,
        violating: [
            {
                title: "private-endpoint subnet without NSG",
                mutate: (s) => {
                    delete s.in("snet-pep").networkSecurityGroup;
                },
            },
        ],
    },
    "vm-linux-ssh-key-only": {
        compliant: golden,
        violating: [
            {
                title: "password authentication",
                mutate: (s) => {
                    s.in("vm-ingress").osProfile.linuxConfiguration.disablePasswordAuthentication = false;
                    s.in("vm-ingress").osProfile.adminPassword = "[secret]";
                },
            },
            {
                title: "no SSH key",
                mutate: (s) => {
                    s.in("vm-ingress").osProfile.linuxConfiguration.ssh.publicKeys = [];
                },
            },
            {
                title: "unmanaged OS disk",
                mutate: (s) => {
                    const d = s.in("vm-ingress").storageProfile.osDisk;
                    delete d.managedDisk;
                    d.vhd = { uri: "https://st.blob.core.windows.net/vhds/os.vhd" };
                },
            },
        ],
    },
    "vm-encryption-at-host": {
        compliant: golden,
        violating: [
            {
                title: "no encryption at host",
                mutate: (s) => {
                    delete s.in("vm-ingress").securityProfile;
                },
            },
        ],
    },
    "no-public-ip-except-lb": {
        compliant: golden,
        violating: [
            {
                title: "NIC with a public IP",
                mutate: (s) => {
                    s.in("nic-ingress").ipConfigurations[0].publicIPAddress = { id: ids.pip };
                },
            },
            {
                title: "stray public IP",
                mutate: (s) => {
                    s.add(
                        res("azure-native:network:PublicIPAddress", "pip-stray", {
                            resourceGroupName: "rg-pachlab-test",
                            publicIpAddressName: "pip-stray",
                            sku: { name: "Standard" },
                            publicIPAllocationMethod: "Static",
                            tags: s.in("vnet").tags,
                        }),
                    );
                },
            },
        ],
    },
    "public-lb-standard-zonal": {
        compliant: [
            ...golden,
            {
                title: "extra port allowed by config",
                env: "prod",
                config: { "public-lb-standard-zonal": { allowedPublicPorts: [443, 8443] } },
                mutate: (s) => {
                    s.in("lbe").loadBalancingRules.push({ ...s.in("lbe").loadBalancingRules[0], name: "alt", frontendPort: 8443 });
                },
            },
        ],
        violating: [
            {
                title: "basic LB",
                mutate: (s) => {
                    s.in("lbe").sku.name = "Basic";
                },
            },
            {
                title: "rule without probe",
                mutate: (s) => {
                    delete s.in("lbe").loadBalancingRules[0].probe;
                },
            },
            {
                title: "port 80 not allowlisted",
                mutate: (s) => {
                    s.in("lbe").loadBalancingRules.push({ ...s.in("lbe").loadBalancingRules[0], name: "http", frontendPort: 80 });
                },
            },
            {
                title: "dynamic public IP",
                mutate: (s) => {
                    s.in("pip-ingress").publicIPAllocationMethod = "Dynamic";
                },
            },
            {
                title: "zonal-less public IP in prod",
                env: "prod",
                mutate: (s) => {
                    s.in("pip-ingress").zones = [];
                },
            },
            {
                title: "NAT rule on 2222",
                mutate: (s) => {
                    s.in("lbe-ssh").frontendPort = 2222;
                },
            },
        ],
    },
    "k8s-lb-service-internal": {
        compliant: golden,
        violating: [
            {
                title: "public pachd LB",
                mutate: (s) => {
                    delete s.in("pachd-lb").metadata.annotations;
                },
            },
            {
                title: "NodePort service",
                mutate: (s) => {
                    s.in("etcd-headless").spec = { type: "NodePort", selector: { app: "etcd" }, ports: [{ port: 2379 }] };
                },
            },
            {
                title: "second (internal) LoadBalancer",
                mutate: (s) => {
                    s.add(
                        res("kubernetes:core/v1:Service", "console-lb", {
                            metadata: {
                                name: "console",
                                namespace: NS,
                                annotations: { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" },
                            },
                            spec: { type: "LoadBalancer", selector: { app: "console" }, ports: [{ port: 80 }] },
                        }),
                    );
                },
            },
        ],
    },
};
