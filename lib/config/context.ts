import { ConfigKey, Fields, ProdWaiver } from "./schema";

/** What every cross-field check sees: the values that passed their own schema, and where to report. */
export interface CheckContext {
    /** Values that passed their own schema; a key that failed is absent, and checks that need it are skipped. */
    v: Partial<Fields>;
    /** True when every key passed its own schema. */
    ok(...keys: ConfigKey[]): boolean;
    /** Reports a problem with `key` (a config key, optionally with an `[index]`). */
    add(key: string, message: string): void;
    /** Something the plan shows that does not stop it. */
    warn(message: string): void;
    prod: boolean;
    /** True when prod's baseline is waived for `name` (the waiver is then recorded as used). */
    waived(name: ProdWaiver): boolean;
    today: Date;
}
