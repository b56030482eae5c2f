import type { IncomingMessage, ServerResponse } from 'node:http';

/** Raised when a request body is larger than the cap or is not valid JSON. */
export class BodyError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

/** Default body cap: HubSpot rejects payloads well under this; 10 MB keeps the sandbox safe. */
export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

/** Read the raw body as a Buffer, rejecting (413) once it exceeds `limit` bytes. */
export async function readRawBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > limit) throw new BodyError(`request body exceeds ${limit} bytes`, 413);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Read and parse a JSON body; an empty body parses as `undefined`; bad JSON → BodyError 400. */
export async function readJsonBody(req: IncomingMessage, limit = DEFAULT_BODY_LIMIT): Promise<unknown> {
  const raw = await readRawBody(req, limit);
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new BodyError('request body is not valid JSON', 400);
  }
}

/** Write a JSON response with the given status and extra headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(text ? { 'content-type': 'application/json;charset=utf-8' } : {}),
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
