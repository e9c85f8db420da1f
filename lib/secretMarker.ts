/**
 * What a plan (planner/types.ts) holds in place of every secret value: inputs, stack outputs and Kubernetes Secret
 * data. The plan diff, the policy pack and every printed report rely on it to never show a secret.
 */
export const SECRET_MARKER = "[secret]";
