import type { CrmSyncConfig } from '../config.ts';
import { createHubSpotConnection } from '../hubspot/hubspot-client.ts';
import { HubSpotCrm } from '../hubspot/hubspot-crm.ts';
import { hubspotOAuthSettings } from '../hubspot/hubspot-oauth.ts';
import { createRateLimiters } from '../rate-limit/index.ts';
import { loadActiveSegment } from '../sync/segment-refresh.ts';

/** HubSpot's public API. */
const HUBSPOT_API = 'https://api.hubapi.com';

export type SegmentCheck =
  | { checked: false; why: string }
  | { checked: true; ok: true; listId: string; name: string }
  | { checked: true; ok: false; message: string };

/**
 * R1 at config load: the configured inclusion segment must exist and be an active (DYNAMIC) list.
 * Needs HubSpot: the token comes from HUBSPOT_ACCESS_TOKEN, or an OAuth app's HUBSPOT_REFRESH_TOKEN,
 * HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET (the variables `crmsync dev --live` reads); the base URL from the config, CRMSYNC_HUBSPOT_BASE_URL, or HubSpot's public API.
 */
export async function checkSegmentAgainstHubSpot(
  config: CrmSyncConfig,
  env: Record<string, string | undefined> = process.env,
): Promise<SegmentCheck> {
  const listId = config.hubspot.inclusionSegmentId;
  if (!listId) return { checked: false, why: 'no inclusion segment is set: every contact syncs (R2)' };
  const accessToken = env.HUBSPOT_ACCESS_TOKEN || undefined;
  const baseUrl = config.hubspot.baseUrl ?? env.CRMSYNC_HUBSPOT_BASE_URL ?? HUBSPOT_API;
  try {
    const oauth = hubspotOAuthSettings(
      {
        refreshToken: env.HUBSPOT_REFRESH_TOKEN || undefined,
        clientId: env.HUBSPOT_CLIENT_ID || undefined,
        clientSecret: env.HUBSPOT_CLIENT_SECRET || undefined,
      },
      { source: 'environment', clientIdName: 'HUBSPOT_CLIENT_ID', clientSecretName: 'HUBSPOT_CLIENT_SECRET' },
    );
    if (!accessToken && !oauth) {
      return {
        checked: false,
        why: 'set HUBSPOT_ACCESS_TOKEN (or HUBSPOT_REFRESH_TOKEN, HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET) to also check the segment against HubSpot (R1)',
      };
    }
    const hubspot = new HubSpotCrm({
      ...createHubSpotConnection({
        ...(accessToken ? { accessToken } : {}),
        ...(oauth ? { oauth } : {}),
        baseUrl,
      }),
      limiter: createRateLimiters(config.budgets).hubspot,
    });
    const list = await loadActiveSegment(hubspot, listId);
    return { checked: true, ok: true, listId, name: list.name };
  } catch (error) {
    return { checked: true, ok: false, message: (error as Error).message };
  }
}
