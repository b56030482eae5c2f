import { sendJson } from '../common/body.ts';
import type { Router } from '../common/http-router.ts';
import type { ContactStore } from './contact-store.ts';
import { HubSpotHttpError, errorBody } from './errors.ts';
import { objectKind } from './object-types.ts';
import type { SandboxState } from './state.ts';

function storeFor(s: SandboxState, objectType: string | undefined): ContactStore {
  const kind = objectKind(objectType);
  if (!kind) {
    throw new HubSpotHttpError(
      400,
      errorBody(
        'VALIDATION_ERROR',
        `Unable to infer object type from: ${objectType ?? ''} (this sandbox emulates contacts and companies only)`,
      ),
    );
  }
  return kind.singular === 'contact' ? s.contacts : s.companies;
}

/** Register the Properties v3 read endpoints for contacts and companies. */
export function registerPropertyRoutes(router: Router, s: SandboxState): void {
  router.on('GET', '/crm/v3/properties/{objectType}', (ctx) => {
    const store = storeFor(s, ctx.params['objectType']);
    sendJson(ctx.res, 200, { results: [...store.properties.values()] });
  });
  router.on('GET', '/crm/v3/properties/{objectType}/{propertyName}', (ctx) => {
    const store = storeFor(s, ctx.params['objectType']);
    const name = ctx.params['propertyName'] ?? '';
    const p = store.properties.get(name);
    if (!p) {
      throw new HubSpotHttpError(
        404,
        errorBody('OBJECT_NOT_FOUND', `Unable to find property ${name} for object type ${store.kind.typeId}`),
      );
    }
    sendJson(ctx.res, 200, p);
  });
}
