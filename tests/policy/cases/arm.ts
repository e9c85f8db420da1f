/** ARM acceptance (docs/policy.md rule ARM): the compliant and violating cases of tests/policy/rules.test.ts. */
import { ids, res } from "../fixtures";
import { RuleCases, golden } from "./shared";

export const ARM_CASES: Record<string, RuleCases> = {
    "arm-nsg-security-rules": {
        compliant: [
            ...golden,
            {
                title: "several CIDRs in the plural field, a tag alone in the singular one",
                mutate: (s) => {
                    s.in("nsg-aks").securityRules.push(
                        {
                            name: "allow-two-subnets",
                            priority: 120,
                            direction: "Inbound",
                            access: "Allow",
                            protocol: "Tcp",
                            sourceAddressPrefixes: ["10.40.16.0/26", "10.40.16.64/26"],
                            sourcePortRange: "*",
                            destinationAddressPrefix: "*",
                            destinationPortRanges: ["2049", "24007-24008"],
                        },
                        {
                            name: "allow-lb-probe",
                            priority: 130,
                            direction: "Inbound",
                            access: "Allow",
                            protocol: "Tcp",
                            sourceAddressPrefix: "AzureLoadBalancer",
                            sourcePortRange: "*",
                            destinationAddressPrefix: "*",
                            destinationPortRange: "2049",
                        },
                    );
                },
            },
        ],
        violating: [
            {
                title: "service tag in sourceAddressPrefixes (SecurityRuleParameterContainsUnsupportedValue)",
                mutate: (s) => {
                    const r = s.in("nsg-ingress").securityRules[0];
                    delete r.sourceAddressPrefix;
                    r.sourceAddressPrefixes = ["Internet"];
                },
            },
            {
                title: "AzureLoadBalancer among CIDRs in sourceAddressPrefixes",
                mutate: (s) => {
                    s.in("nsg-ingress").securityRules[1].sourceAddressPrefixes.push("AzureLoadBalancer");
                },
            },
            {
                title: "singular and plural source together",
                mutate: (s) => {
                    s.in("nsg-ingress").securityRules[1].sourceAddressPrefix = "10.0.0.0/8";
                },
            },
            {
                title: "two inbound rules with priority 100 (SecurityRuleConflict)",
                mutate: (s) => {
                    s.in("nsg-ingress").securityRules[1].priority = 100;
                },
            },
            {
                title: "priority 50",
                mutate: (s) => {
                    s.in("nsg-ingress").securityRules[0].priority = 50;
                },
            },
            {
                title: "port 70000",
                mutate: (s) => {
                    s.in("nsg-ingress").securityRules[0].destinationPortRange = "70000";
                },
            },
            {
                title: "standalone SecurityRule with a tag in destinationAddressPrefixes",
                mutate: (s) => {
                    s.add(
                        res("azure-native:network:SecurityRule", "to-vnet", {
                            resourceGroupName: "rg-pachlab-test",
                            networkSecurityGroupName: "nsg-pachlab-test-aks",
                            priority: 300,
                            direction: "Outbound",
                            access: "Allow",
                            protocol: "Tcp",
                            sourceAddressPrefix: "*",
                            sourcePortRange: "*",
                            destinationAddressPrefixes: ["VirtualNetwork"],
                            destinationPortRange: "443",
                        }),
                    );
                },
            },
        ],
    },
    "arm-resource-names": {
        compliant: golden,
        violating: [
            {
                title: "storage account name with hyphens",
                mutate: (s) => {
                    s.in("data").accountName = "st-pachlab-test";
                },
            },
            {
                title: "storage account name of 25 characters",
                mutate: (s) => {
                    s.in("data").accountName = "stpachlabtest1a2b3c4d5e6f";
                },
            },
            {
                title: "Cosmos DB account name in upper case",
                mutate: (s) => {
                    s.in("cosmos").accountName = "Cosmos-PachLab";
                    s.in("pep-cosmos").privateLinkServiceConnections[0].privateLinkServiceId = ids.cosmos.replace(
                        "cosmos-pachlab-test-1a2b3c",
                        "Cosmos-PachLab",
                    );
                },
            },
            {
                title: "node pool name of 13 characters",
                mutate: (s) => {
                    s.in("pool-pachyderm").agentPoolName = "pachydermpool";
                },
            },
            {
                title: "node pool name with a hyphen",
                mutate: (s) => {
                    s.in("aks").agentPoolProfiles[0].name = "sys-pool";
                },
            },
            {
                title: "public IP DNS label starting with a digit",
                mutate: (s) => {
                    s.in("pip-ingress").dnsSettings = { domainNameLabel: "1pachlab" };
                },
            },
            {
                title: "AKS cluster name ending with a hyphen",
                mutate: (s) => {
                    s.in("aks").resourceName = "aks-pachlab-";
                },
            },
            {
                title: "role assignment name not a GUID",
                mutate: (s) => {
                    s.add(
                        res("azure-native:authorization:RoleAssignment", "ra", {
                            roleAssignmentName: "deployer-admin",
                            scope: ids.account,
                            roleDefinitionId: "/providers/Microsoft.Authorization/roleDefinitions/x",
                            principalId: "p",
                        }),
                    );
                },
            },
        ],
    },
    "arm-aks-node-pools": {
        compliant: [
            ...golden,
            {
                title: "user pool scaled to zero",
                mutate: (s) => {
                    s.in("pool-pachyderm").count = 0;
                    s.in("pool-pachyderm").minCount = 0;
                    s.in("pool-pachyderm").enableAutoScaling = false;
                },
            },
        ],
        violating: [
            {
                title: "maxPods 300",
                mutate: (s) => {
                    s.in("pool-pachyderm").maxPods = 300;
                },
            },
            // maxPods under 30 is also the advisory of docs/policy.md rule 22: that one is switched off here.
            {
                title: "system pool maxPods 20",
                config: { "aks-upgrade-and-node-hardening": "disabled" },
                mutate: (s) => {
                    s.in("aks").agentPoolProfiles[0].maxPods = 20;
                },
            },
            {
                title: "system pool of 0 nodes",
                mutate: (s) => {
                    s.in("aks").agentPoolProfiles[0].count = 0;
                },
            },
            {
                title: "minCount above maxCount",
                mutate: (s) => {
                    s.in("pool-pachyderm").minCount = 20;
                },
            },
        ],
    },
};
