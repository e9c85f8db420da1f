/**
 * A JSON document as `JSON.parse` returns it. Used, by name, where code walks Kubernetes or ARM objects
 * whose schema is checked elsewhere (the official Kubernetes schemas in tests, the API server at deploy):
 * the name says the value is untyped data, not an unchecked shortcut.
 */
export type JsonValue = ReturnType<typeof JSON.parse>;
