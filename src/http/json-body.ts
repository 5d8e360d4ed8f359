/**
 * Reading a request body as JSON, with the limits a public endpoint needs: a deadline for
 * the whole body (a client trickling bytes cannot hold a request forever), a byte limit for
 * bodies sent without a length, strict UTF-8, and bounds on nesting depth and on the length of
 * any list (batch requests), checked before JSON.parse so that a body of 100 000 "[" never
 * reaches the parser or the validator.
 *
 * Installed as the app's global parse hook, so it runs for every route with a body,
 * whatever the route's own `parse` option says.
 */
import { SignetError } from "../errors";

export interface BodyLimits {
  maxBodyBytes: number;
  maxJsonDepth: number;
  maxBatchItems: number;
  bodyTimeoutMs: number;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export interface ShapeLimits {
  maxDepth: number;
  /** Elements of any one array: bounds batch requests of every route, present and future. */
  maxArrayItems: number;
}

/**
 * Which limit a JSON text breaks, if any: "depth" when arrays and objects nest deeper than
 * maxDepth, "items" when an array has more than maxArrayItems elements. Strings are skipped
 * with indexOf; elements are counted by the commas at the array's own level. Malformed text
 * is left to JSON.parse.
 */
export function exceedsShape(text: string, limits: ShapeLimits): "depth" | "items" | null {
  // commas[d]: commas seen at depth d if that level is an array, -1 if it is an object.
  const commas: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote < 0) return null; // unterminated: JSON.parse will refuse it
        let backslashes = 0;
        for (let b = quote - 1; b > i && text.charCodeAt(b) === 92; b--) backslashes++;
        if (backslashes % 2 === 0) {
          i = quote;
          break;
        }
        from = quote + 1;
      }
    } else if (c === 123 || c === 91) {
      if (commas.length >= limits.maxDepth) return "depth";
      commas.push(c === 91 ? 0 : -1);
    } else if (c === 125 || c === 93) {
      commas.pop();
    } else if (c === 44) {
      const top = commas.length - 1;
      if (top >= 0 && commas[top]! >= 0 && ++commas[top]! >= limits.maxArrayItems) return "items";
    }
  }
  return null;
}

/** True when arrays and objects nest deeper than `max`. */
export function exceedsDepth(text: string, max: number): boolean {
  return exceedsShape(text, { maxDepth: max, maxArrayItems: Infinity }) === "depth";
}

async function readWithin(request: Request, limits: BodyLimits): Promise<ArrayBuffer> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SignetError("requestTimeout", `the request body did not arrive within ${limits.bodyTimeoutMs} ms`)),
      limits.bodyTimeoutMs,
    );
  });
  try {
    return await Promise.race([request.arrayBuffer(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The parse hook: JSON, or null for an empty body. Throws SignetErrors with their own kinds.
 * Routes in `textPaths` take their body as text (still within the deadline, the size limit
 * and strict UTF-8): the audit verification route accepts bundles in CSV and XML as well.
 * Routes in `largeBodies` may carry bodies up to their own limit (POST /v1/batchSign).
 */
export function jsonBodyParser(
  limits: BodyLimits,
  textPaths: ReadonlySet<string> = new Set(),
  largeBodies: ReadonlyMap<string, number> = new Map(),
) {
  return async ({ request, path }: { request: Request; path: string }): Promise<unknown> => {
    const bytes = await readWithin(request, limits);
    if (bytes.byteLength > limits.maxBodyBytes) {
      const limit = largeBodies.get(path) ?? limits.maxBodyBytes;
      if (bytes.byteLength > limit) throw new SignetError("payloadTooLarge", `the request body is ${bytes.byteLength} bytes; at most ${limit} are accepted`);
    }
    if (bytes.byteLength === 0) return null;
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch {
      throw new SignetError("invalidJson", "the request body is not valid UTF-8");
    }
    if (textPaths.has(path)) return text;
    const broken = exceedsShape(text, { maxDepth: limits.maxJsonDepth, maxArrayItems: limits.maxBatchItems });
    if (broken === "depth") throw new SignetError("jsonTooDeep", `the request body nests deeper than ${limits.maxJsonDepth} levels`);
    if (broken === "items") throw new SignetError("batchTooLarge", `a list in the request body has more than ${limits.maxBatchItems} items`);
    try {
      return JSON.parse(text);
    } catch {
      throw new SignetError("invalidJson", "the request body is not valid JSON");
    }
  };
}
