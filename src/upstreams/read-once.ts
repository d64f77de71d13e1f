/** A request's reads of whole lists and pages: each kept under its key, made on the first ask. */
export function readOnce<T>(reads: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  let promise = reads.get(key);
  if (!promise) {
    promise = read();
    reads.set(key, promise);
  }
  return promise;
}
