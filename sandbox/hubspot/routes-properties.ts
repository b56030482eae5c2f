import { sendJson } from '../common/body.ts';
import type { Router } from '../common/http-router.ts';
import { HubSpotHttpError, errorBody } from './errors.ts';
import type { SandboxState } from './state.ts';

const CONTACT_TYPES = new Set(['contacts', 'contact', '0-1']);

function checkType(objectType: string | undefined): void {
  if (!objectType || !CONTACT_TYPES.has(objectType)) {
    throw new HubSpotHttpError(
      400,
      errorBody(
        'VALIDATION_ERROR',
        `Unable to infer object type from: ${objectType ?? ''} (this sandbox emulates contacts only)`,
      ),
    );
  }
}

/** Register the Properties v3 read endpoints for contacts. */
export function registerPropertyRoutes(router: Router, s: SandboxState): void {
  router.on('GET', '/crm/v3/properties/{objectType}', (ctx) => {
    checkType(ctx.params['objectType']);
    sendJson(ctx.res, 200, { results: [...s.contacts.properties.values()] });
  });
  router.on('GET', '/crm/v3/properties/{objectType}/{propertyName}', (ctx) => {
    checkType(ctx.params['objectType']);
    const name = ctx.params['propertyName'] ?? '';
    const p = s.contacts.properties.get(name);
    if (!p) {
      throw new HubSpotHttpError(
        404,
        errorBody('OBJECT_NOT_FOUND', `Unable to find property ${name} for object type 0-1`),
      );
    }
    sendJson(ctx.res, 200, p);
  });
}
