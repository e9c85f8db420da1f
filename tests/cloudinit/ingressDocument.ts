import { readFileSync } from "fs";
import { join } from "path";
import { parse } from "yaml";
import type { IngressUserDataArgs } from "../../lib/cloudinit/ingress";

/** The ingress VM's cloud-config as the tests read it, and the pinned pachctl release it must embed. */

// Read the pin file from disk (not through the module) so the test checks what the renderer embeds.
const pins = JSON.parse(readFileSync(join(__dirname, "../../lib/cloudinit/pachctl.json"), "utf8"));
export const PINNED_VERSION: string = pins.version;
export const PINNED_SHA: string = pins.assets.linux_amd64.sha256;
export const PINNED_URL: string = pins.assets.linux_amd64.url;

export interface WriteFile {
    path: string;
    content: string;
    permissions?: string;
    owner?: string;
    defer?: boolean;
}
export interface CloudConfig {
    package_update: boolean;
    package_upgrade: boolean;
    packages: string[];
    ssh_pwauth: boolean;
    write_files: WriteFile[];
    runcmd: string[][];
}

export const base: IngressUserDataArgs = { pachctlVersion: PINNED_VERSION, pachdInternalIp: "10.40.15.250", adminUsername: "labadmin" };

export function load(userData: string): CloudConfig {
    expect(userData.startsWith("#cloud-config\n")).toBe(true);
    return parse(userData, { version: "1.1" }) as CloudConfig;
}

export function file(doc: CloudConfig, path: string): WriteFile {
    const f = doc.write_files.find((w) => w.path === path);
    if (f === undefined) throw new Error(`write_files has no ${path}`);
    return f;
}
