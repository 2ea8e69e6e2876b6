// Names and labels of everything nimble creates in a cluster. One place, so deploy, cleanup and
// the leftover check always agree on what "ours" means.

export const LABEL_MANAGED_BY = 'nimble.dev/managed-by';
export const MANAGED_BY = 'nimble';
export const LABEL_SESSION = 'nimble.dev/session';
export const LABEL_RELEASE = 'nimble.dev/release';
/** On the model-cache PVC: which model it holds (so the next cycle of that model finds it warm). */
export const LABEL_CACHE_MODEL = 'nimble.dev/cache-model';

export const REGISTRY_SECRET = 'ngc-secret';
export const API_KEY_SECRET = 'ngc-api';
export const API_KEY_DATA_KEY = 'NGC_API_KEY';
export const NIM_CONTAINER_PORT = 8000;

export function nimbleLabels(session: string, release: string): Record<string, string> {
  return { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_SESSION]: labelValue(session), [LABEL_RELEASE]: labelValue(release) };
}

/** Label values: ≤ 63 chars of [A-Za-z0-9-_.], starting and ending alphanumeric. */
export function labelValue(s: string): string {
  const v = s.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return v || 'x';
}

/** DNS-1123 label, ≤ maxLen. */
export function dnsName(s: string, maxLen = 63): string {
  const v = s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').slice(0, maxLen).replace(/^-+|-+$/g, '');
  return v || 'x';
}

/** The Service both charts render (nim-llm gets `service.name` set to the same). */
export function serviceName(release: string): string {
  return dnsName(`${release}-nim`);
}

/** Model-cache PVC: named after the model, not the release, so any later cycle of the model reuses it. */
export function cacheClaimName(model: string, existingClaim?: string): string {
  return existingClaim || dnsName(`nimble-cache-${model}`);
}

export function prePullName(release: string): string {
  return dnsName(`${release}-prepull`);
}

/** Pods of a release, for both charts (nim-llm and nimble-nim use the same instance label). */
export function podSelector(release: string): string {
  return `app.kubernetes.io/instance=${release}`;
}
