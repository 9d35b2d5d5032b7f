// Which endpoints have answered as S3 servers in this thread. An endpoint that never has is
// suspect: a web page, a connection closed without an answer or bytes that are not HTTP there
// mean "this is not the S3 endpoint you think", the same on every request, so the run stops at
// once (exit 3) naming the endpoint setting, instead of retrying every object 11 times. Once an
// endpoint has given one S3 answer, the same symptoms are passing faults of a real server and are
// retried as usual.

const answered = new Set<string>();
let isTrustingAll = false;

/** Records that `endpoint` gave an S3 answer (a valid document, or S3's own error document). */
export function markAnswered(endpoint: string): void {
  if (!isTrustingAll) answered.add(endpoint);
}

/** Whether `endpoint` has given an S3 answer in this thread. */
export function hasAnswered(endpoint: string): boolean {
  return isTrustingAll || answered.has(endpoint);
}

/**
 * Treats every endpoint as one that has answered. Worker threads call it: they run tasks only
 * after the main thread has listed both sides, so every endpoint they reach has answered there.
 */
export function trustAllEndpoints(): void {
  isTrustingAll = true;
}

/** Attempts a request gets at an endpoint that has not answered yet (first try + 2 retries). */
export const UNPROVEN_ENDPOINT_ATTEMPTS = 3;

/** Marks an error as sent to an endpoint that had not answered as S3 yet. */
export function tagUnproven(error: unknown): void {
  if (typeof error === 'object' && error !== null) {
    (error as { $unprovenEndpoint?: boolean }).$unprovenEndpoint = true;
  }
}

/** Whether the request that failed with `error` went to an endpoint that had not answered yet. */
export function isUnprovenEndpointError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { $unprovenEndpoint?: unknown }).$unprovenEndpoint === true
  );
}
