/**
 * Marks a promise as handled so that callers who ignore it (as applications of the original,
 * callback-free API do) get no unhandled-rejection report; callers who await it still see the
 * rejection. Failures are also reported as events.
 */
export function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}
