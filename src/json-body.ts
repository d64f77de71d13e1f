/**
 * Large GraphQL responses serialised in pieces. V8 keeps a string longer than 128 KiB in its large
 * object space, and JSON.stringify builds a long result as a tree of parts: the first thing to read
 * it whole (Node's `Buffer.byteLength`, for Content-Length) copies it into one flat string there,
 * at about 3.3 ns a character against 0.25 below the limit, and the socket write encodes it again.
 * For a 1000-row answer (290 KB) that was about 1.7 ms of the 10-15 ms the gateway spends on it
 * (bench/RESULTS.md, item 20). Here such a result is written as JSON text in pieces of about
 * CHUNK_CHARS characters into one Buffer, which goes to the socket as it is.
 *
 * `useChunkedJson` hands yoga a `stringify` for each result, yoga's hook for another serializer
 * (graphql-jit's uses it); a result with no array or object of more than WHOLE_MAX_ENTRIES
 * entries in its first levels is JSON.stringify's string, as before.
 */
import type { Plugin } from 'graphql-yoga';

/** Characters of JSON text per piece: well under V8's 128 KiB for a regular heap object. */
export const CHUNK_CHARS = 32 * 1024;

/** Characters of JSON text a group of array items aims at (writeItemsInGroups). */
const GROUP_CHARS = 8 * 1024;

/** Levels of objects and arrays walked; deeper values are stringified whole (a row, an error). */
const WALK_DEPTH = 3;

/**
 * Entries (array items, object members) a result may hold within the walked levels and still be
 * stringified whole: 256 rows of a table are about 75 000 characters. Below it, one JSON.stringify
 * costs less than the pieces' walk and joins.
 */
export const WHOLE_MAX_ENTRIES = 256;

/** Whether some array or object within the walked levels holds more than WHOLE_MAX_ENTRIES entries. */
function isLarge(item: unknown, depth: number): boolean {
  if (depth >= WALK_DEPTH || item === null || typeof item !== 'object') return false;
  if (Array.isArray(item)) {
    if (item.length > WHOLE_MAX_ENTRIES) return true;
    for (const member of item) if (isLarge(member, depth + 1)) return true;
    return false;
  }
  let entries = 0;
  for (const key in item) {
    if (++entries > WHOLE_MAX_ENTRIES) return true;
    if (isLarge((item as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/**
 * What JSON.stringify would write for `value`, as pieces of about CHUNK_CHARS characters: the
 * arrays and objects that hold a large one are written member by member, everything else (a row,
 * an error) by JSON.stringify whole, so only a single member larger than a piece makes a larger one.
 */
export function jsonPieces(value: unknown): string[] {
  const pieces: string[] = [];
  let current = '';
  const append = (text: string): void => {
    if (current.length + text.length > CHUNK_CHARS && current.length > 0) {
      pieces.push(current);
      current = '';
    }
    current += text;
  };

  const write = (item: unknown, depth: number): void => {
    // Only what holds a large array or object is taken apart: the rest is one JSON.stringify.
    if (!isLarge(item, depth) || typeof (item as { toJSON?: unknown }).toJSON === 'function') {
      // JSON.stringify answers undefined for undefined, functions and symbols; callers decide what stands in.
      append(JSON.stringify(item) ?? 'null');
      return;
    }
    if (Array.isArray(item)) {
      append('[');
      if (depth + 1 >= WALK_DEPTH) {
        writeItemsInGroups(item);
      } else {
        for (let i = 0; i < item.length; i++) {
          if (i > 0) append(',');
          write(item[i], depth + 1);
        }
      }
      append(']');
      return;
    }
    const prototype = Object.getPrototypeOf(item) as unknown;
    if (prototype !== Object.prototype && prototype !== null) {
      // A class instance (boxed primitives, Dates, Maps): JSON.stringify's own rules, whole.
      append(JSON.stringify(item) ?? 'null');
      return;
    }
    append('{');
    let first = true;
    for (const key of Object.keys(item as object)) {
      const member = (item as Record<string, unknown>)[key];
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
      append(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
      first = false;
      write(member, depth + 1);
    }
    append('}');
  };

  // Items stringified whole anyway go a group at a time: one JSON.stringify per row costs more
  // than the copy it saves. A group aims at GROUP_CHARS, its size following the items' lengths.
  const writeItemsInGroups = (items: unknown[]): void => {
    let size = 16;
    for (let start = 0; start < items.length; ) {
      const group = JSON.stringify(items.slice(start, start + size));
      if (start > 0) append(',');
      append(group.slice(1, -1));
      start += size;
      size = Math.max(1, Math.floor((size * GROUP_CHARS) / group.length));
    }
  };

  write(value, 0);
  pieces.push(current);
  return pieces;
}

/**
 * JSON text of `value`: JSON.stringify's string when no array or object of the walked levels is
 * large, else the pieces' UTF-8 in one Buffer.
 */
export function jsonBody(value: unknown): string | Buffer {
  if (!isLarge(value, 0)) return JSON.stringify(value);
  const pieces = jsonPieces(value);
  if (pieces.length === 1) return pieces[0]!;
  let bytes = 0;
  for (const piece of pieces) bytes += Buffer.byteLength(piece);
  const body = Buffer.allocUnsafe(bytes);
  let offset = 0;
  for (const piece of pieces) offset += body.write(piece, offset);
  return body;
}

/**
 * Gives every result a `stringify` that answers jsonBody. yoga sends what it returns as the
 * response body; a Buffer goes out with its own length, and anything that reads the body as text
 * (an SSE or multipart frame) gets the same JSON from the Buffer's toString.
 */
export function useChunkedJson(): Plugin {
  return {
    onResultProcess({ result }) {
      if (result === null || typeof result !== 'object' || Symbol.asyncIterator in result) return;
      for (const single of Array.isArray(result) ? result : [result]) {
        // Typed as answering a string; a Buffer body is what it is for (see above).
        (single as { stringify?: (value: unknown) => string }).stringify ??= jsonBody as (value: unknown) => string;
      }
    },
  };
}
