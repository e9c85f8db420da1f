/** ARM acceptance (docs/policy.md rule ARM): what Azure Resource Manager refuses at request time and mocks accept silently. */
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { SECRET_MARKER } from "../../lib/secretMarker";
import { isType, normalizeType, ResourceType, resourceType } from "../../lib/resourceTypes";
import { securityRuleProblems } from "../../lib/arm";
import { eqi, num, stackWith } from "../util";
import { at, mandatory } from "./common";
import { nodePools, poolReport } from "./aks";
import { validateSecurityRules } from "./network";

export const armSecurityRules: ResourceValidationPolicy = {
    name: "arm-nsg-security-rules",
    description:
        "ARM (network-security-groups-overview, azure-rest-api-specs#1591, SecurityRuleParameterContainsUnsupportedValue, SecurityRuleConflict, SecurityRuleInvalidPortRange): NSG security rules ARM accepts: service tags and '*' only in the singular sourceAddressPrefix/destinationAddressPrefix, never in the plural lists; singular or plural, not both; one address family; ports 0-65535; priority 100-4096, unique per direction; names unique, 1-80 characters (lib/arm.ts).",
    enforcementLevel: mandatory,
    validateResource: validateSecurityRules((rules, report) => {
        for (const problem of securityRuleProblems(rules)) report(problem);
    }),
};

/**
 * Name rules of the resource types the platform declares, checked on each type's name input (lib/resourceTypes.ts), from
 * https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules unless noted.
 */
const NAME_RULES: Partial<Record<string, { re: RegExp; rule: string }>> = {
    "azure-native:storage:StorageAccount": { re: /^[a-z0-9]{3,24}$/, rule: "3-24 lowercase letters and numbers" },
    "azure-native:cosmosdb:DatabaseAccount": {
        re: /^[a-z0-9][a-z0-9-]{2,43}$/,
        rule: "3-44 lowercase letters, numbers and hyphens, starting with a letter or number",
    },
    "azure-native:containerservice:ManagedCluster": {
        re: /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/,
        rule: "1-63 alphanumerics, underscores and hyphens, starting and ending with an alphanumeric",
    },
    "azure-native:managedidentity:UserAssignedIdentity": {
        re: /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/,
        rule: "3-128 alphanumerics, hyphens and underscores, starting with a letter or number",
    },
    // "Must be a globally unique identifier (GUID)" (Microsoft.Authorization roleAssignments).
    "azure-native:authorization:RoleAssignment": {
        re: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
        rule: "a GUID",
    },
} satisfies Partial<Record<ResourceType, unknown>>;

/** Node pool names: 1-12 lowercase letters and numbers, starting with a letter (PSRule Azure.AKS.SystemPoolNaming; Windows pools 6 at most). */
const POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;
/** Public IP DNS labels: "must conform to the following regular expression: ^[a-z][a-z0-9-]{1,61}[a-z0-9]$" (azure-rest-api-specs, Microsoft.Network CheckDnsNameAvailability). */
const DNS_LABEL = /^[a-z][a-z0-9-]{1,61}[a-z0-9]$/;

export const armNames: StackValidationPolicy = {
    name: "arm-resource-names",
    description:
        "ARM (resource-name-rules, PSRule Azure.AKS.SystemPoolNaming, Microsoft.Network CheckDnsNameAvailability): names ARM accepts: storage account 3-24 lowercase alphanumerics; Cosmos DB account 3-44 lowercase letters, digits, hyphens; AKS cluster 1-63; user-assigned identity 3-128; role assignment a GUID; node pool 1-12 lowercase alphanumerics starting with a letter; public IP DNS label ^[a-z][a-z0-9-]{1,61}[a-z0-9]$.",
    enforcementLevel: mandatory,
    validateStack: (args, report) => {
        for (const r of args.resources) {
            const where = at(report, r);
            const n = NAME_RULES[normalizeType(r.type)];
            const field = resourceType(r.type)?.nameField;
            const value = n && field ? r.props?.[field] : undefined;
            if (n && typeof value === "string" && value !== SECRET_MARKER && !n.re.test(value))
                where(`${field} '${value}' must be ${n.rule}`);
            const label = isType(r.type, "azure-native:network:PublicIPAddress") ? r.props?.dnsSettings?.domainNameLabel : undefined;
            if (typeof label === "string" && !DNS_LABEL.test(label))
                where(`dnsSettings.domainNameLabel '${label}' must match ${DNS_LABEL.source}`);
        }
        for (const np of nodePools(args.resources)) {
            const name = isType(np.owner.type, "azure-native:containerservice:AgentPool")
                ? (np.pool.agentPoolName ?? np.pool.name)
                : np.pool.name;
            if (typeof name === "string" && !POOL_NAME.test(name))
                poolReport(report, np)(`name '${name}' must be 1-12 lowercase letters and numbers, starting with a letter`);
        }
    },
};

export const armNodePools: StackValidationPolicy = {
    name: "arm-aks-node-pools",
    description:
        "ARM (AKS concepts-network-ip-address-planning, use-system-pools, AgentPool count): node pools AKS accepts: maxPods 10-250; a System pool supports at least 30 pods; count 1-1000 for System pools, 0-1000 for User pools; autoscaling minCount at most maxCount.",
    enforcementLevel: mandatory,
    validateStack: stackWith(
        ["azure-native:containerservice:ManagedCluster", "azure-native:containerservice:AgentPool"],
        (args, report) => {
            for (const np of nodePools(args.resources)) {
                const where = poolReport(report, np);
                const system = eqi(np.pool.mode, "System");
                const maxPods = num(np.pool.maxPods);
                if (maxPods !== undefined && (maxPods < 10 || maxPods > 250)) where(`maxPods ${maxPods} must be from 10 to 250`);
                if (system && maxPods !== undefined && maxPods < 30)
                    where(`maxPods ${maxPods}: a System pool must support at least 30 pods`);
                const count = num(np.pool.count);
                if (count !== undefined && (count < (system ? 1 : 0) || count > 1000))
                    where(`count ${count} must be from ${system ? 1 : 0} to 1000 for a ${system ? "System" : "User"} pool`);
                const lo = num(np.pool.minCount);
                const hi = num(np.pool.maxCount);
                if (np.pool.enableAutoScaling === true && lo !== undefined && hi !== undefined && lo > hi)
                    where(`minCount ${lo} is above maxCount ${hi}`);
            }
        },
    ),
};
