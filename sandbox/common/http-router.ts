import type { IncomingMessage, ServerResponse } from 'node:http';

/** A matched request: path params (decoded), query string and the route's template. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  /** `METHOD /path/{param}` — used as the key for per-endpoint counters. */
  template: string;
}

/** Handler for one route; throwing is allowed (the caller maps errors to responses). */
export type RouteHandler = (ctx: RouteContext) => Promise<void> | void;

interface Route {
  method: string;
  template: string;
  segments: string[];
  handler: RouteHandler;
}

/** Result of `match`: the handler and the context pieces, or undefined when no route fits. */
export interface RouteMatch {
  handler: RouteHandler;
  params: Record<string, string>;
  template: string;
}

/**
 * A tiny method + path router for node:http. Templates use `{name}` segments
 * (`/crm/v3/objects/contacts/{contactId}`); static segments win over params at equal depth
 * because routes are tried in registration order, so register specific paths first.
 */
export class Router {
  readonly #routes: Route[] = [];

  /** Register a route. */
  on(method: string, template: string, handler: RouteHandler): this {
    this.#routes.push({ method: method.toUpperCase(), template, segments: split(template), handler });
    return this;
  }

  /** Find the route for a method and pathname (no query string). */
  match(method: string, pathname: string): RouteMatch | undefined {
    const parts = split(pathname);
    for (const route of this.#routes) {
      if (route.method !== method.toUpperCase() || route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length; i++) {
        const seg = route.segments[i]!;
        const part = parts[i]!;
        if (seg.startsWith('{') && seg.endsWith('}')) {
          params[seg.slice(1, -1)] = safeDecode(part);
        } else if (seg !== part) {
          ok = false;
          break;
        }
      }
      if (ok) return { handler: route.handler, params, template: `${route.method} ${route.template}` };
    }
    return undefined;
  }

  /** True when some route has this path under another method (for 405 vs 404). */
  hasPath(pathname: string): boolean {
    const parts = split(pathname);
    return this.#routes.some(
      (r) =>
        r.segments.length === parts.length &&
        r.segments.every((s, i) => (s.startsWith('{') && s.endsWith('}')) || s === parts[i]),
    );
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
