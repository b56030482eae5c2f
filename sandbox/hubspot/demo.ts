import type { SandboxState } from './state.ts';

/** Name of the demo inclusion segment. */
export const DEMO_SEGMENT_NAME = 'MQL or SQL contacts (demo segment)';

/**
 * Body of `POST /crm/v3/lists/` for the demo segment: a DYNAMIC contact list whose members
 * have lifecycle stage MQL or SQL, so a user moves a contact in or out by editing one property.
 */
export function demoSegmentRequest(name = DEMO_SEGMENT_NAME): Record<string, unknown> {
  return {
    name,
    objectTypeId: '0-1',
    processingType: 'DYNAMIC',
    filterBranch: {
      filterBranchType: 'OR',
      filters: [],
      filterBranches: [
        {
          filterBranchType: 'AND',
          filterBranches: [],
          filters: [
            {
              filterType: 'PROPERTY',
              property: 'lifecyclestage',
              operation: {
                operationType: 'ENUMERATION',
                operator: 'IS_ANY_OF',
                values: ['marketingqualifiedlead', 'salesqualifiedlead'],
              },
            },
          ],
        },
      ],
    },
  };
}

/** Seed demo contacts and the demo segment (idempotent for the segment). Returns the list id. */
export function seedDemo(
  s: SandboxState,
  contacts: number,
  seed = 42,
  emailDomainPool?: readonly string[],
): string {
  s.seed({ contacts, seed, ...(emailDomainPool ? { emailDomainPool } : {}) });
  const existing = [...s.lists.lists.values()].find(
    (l) => l.name === DEMO_SEGMENT_NAME && l.deletedAt === undefined,
  );
  if (existing) return existing.listId;
  const req = demoSegmentRequest();
  return s.lists.create(req).listId;
}
