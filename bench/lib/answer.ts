/** The answer to a request sent over some channel: settled once, by the reply or by a timeout. */
export interface PendingAnswer<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

/** Rejects with `timeoutMessage` after `timeoutMs` unless settled before; `onTimeout` forgets the request. */
export function pendingAnswer<T>(timeoutMs: number, timeoutMessage: string, onTimeout: () => void): PendingAnswer<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(() => {
    onTimeout();
    reject(new Error(timeoutMessage));
  }, timeoutMs);
  return {
    promise,
    resolve: (value) => {
      clearTimeout(timer);
      resolve(value);
    },
    reject: (error) => {
      clearTimeout(timer);
      reject(error);
    },
  };
}
