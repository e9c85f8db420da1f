import { addressFamily, addressFields, portFields, securityRuleProblems } from "../lib/arm";

const base = {
    name: "allow-x",
    priority: 100,
    direction: "Inbound",
    access: "Allow",
    protocol: "Tcp",
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: "443",
};

describe("ARM security-rule fields (lib/arm.ts)", () => {
    it("puts one prefix (a service tag included) in the singular field and several CIDRs in the plural one", () => {
        expect(addressFields("source", ["Internet"])).toEqual({ sourceAddressPrefix: "Internet" });
        expect(addressFields("source", ["10.0.0.0/24", "10.0.1.0/24"])).toEqual({ sourceAddressPrefixes: ["10.0.0.0/24", "10.0.1.0/24"] });
        expect(portFields("destination", ["443"])).toEqual({ destinationPortRange: "443" });
        expect(portFields("destination", ["443", "22"])).toEqual({ destinationPortRanges: ["443", "22"] });
    });

    it("refuses a service tag or '*' among several prefixes, as ARM does", () => {
        expect(() => addressFields("source", ["10.0.0.0/24", "AzureLoadBalancer"])).toThrow(/AzureLoadBalancer cannot share a rule/);
        expect(() => addressFields("destination", ["*", "10.0.0.4"])).toThrow(/\*/);
        expect(() => addressFields("source", [])).toThrow(/no source/);
    });

    it("tells addresses from tags", () => {
        expect(["10.0.0.4", "10.0.0.0/8", "2001:db8::/32", "Internet", "*", "AzureCloud.WestEurope"].map(addressFamily)).toEqual([
            "IPv4",
            "IPv4",
            "IPv6",
            undefined,
            undefined,
            undefined,
        ]);
    });

    it("accepts a well-formed rule set", () => {
        expect(
            securityRuleProblems([
                { ...base, sourceAddressPrefix: "Internet" },
                {
                    ...base,
                    name: "deny_all",
                    priority: 4096,
                    access: "Deny",
                    sourceAddressPrefixes: ["10.0.0.0/24", "10.0.1.0/24"],
                    sourcePortRange: "*",
                    destinationPortRanges: ["80", "1000-2000"],
                    destinationPortRange: undefined,
                },
            ]),
        ).toEqual([]);
    });

    it.each([
        ["a tag in the plural list", { ...base, sourceAddressPrefixes: ["Internet"] }, /SecurityRuleParameterContainsUnsupportedValue/],
        ["'*' in the plural list", { ...base, sourceAddressPrefixes: ["*"] }, /sourceAddressPrefixes holds '\*'/],
        ["singular and plural", { ...base, sourceAddressPrefix: "10.0.0.0/24", sourceAddressPrefixes: ["10.0.1.0/24"] }, /not both/],
        ["no source", base, /no source/],
        ["priority 99", { ...base, sourceAddressPrefix: "*", priority: 99 }, /100 to 4096/],
        ["priority 4097", { ...base, sourceAddressPrefix: "*", priority: 4097 }, /100 to 4096/],
        ["port 65536", { ...base, sourceAddressPrefix: "*", destinationPortRange: "65536" }, /0-65535/],
        ["inverted range", { ...base, sourceAddressPrefix: "*", destinationPortRange: "90-80" }, /0-65535/],
        [
            "'*' among port ranges",
            { ...base, sourceAddressPrefix: "*", destinationPortRange: undefined, destinationPortRanges: ["*", "22"] },
            /'\*' goes only/,
        ],
        ["mixed families", { ...base, sourceAddressPrefixes: ["10.0.0.0/24", "2001:db8::/64"] }, /mixes IPv4 and IPv6/],
        ["a name ending in '-'", { ...base, sourceAddressPrefix: "*", name: "allow-" }, /name must be/],
        ["a long description", { ...base, sourceAddressPrefix: "*", description: "x".repeat(141) }, /140/],
    ])("reports %s", (_t, rule, message) => {
        expect(securityRuleProblems([rule]).join("\n")).toMatch(message);
    });

    it("reports two rules with the same priority and direction, and a duplicate name", () => {
        const r = { ...base, sourceAddressPrefix: "*" };
        expect(securityRuleProblems([r, { ...r, name: "other" }]).join("\n")).toMatch(/SecurityRuleConflict/);
        expect(securityRuleProblems([r, { ...r, name: "other", direction: "Outbound" }])).toEqual([]);
        expect(securityRuleProblems([r, { ...r, priority: 200 }]).join("\n")).toMatch(/used twice/);
    });
});
