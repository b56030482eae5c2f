/**
 * C3: which HubSpot company a Salesforce Account links to (docs/design.md#companies-accounts-and-owners).
 * Never by domain or name — HubSpot "uses associated contacts to deduplicate companies, not the
 * domain" — only by an existing link or by the contacts the two records share.
 */

/** A HubSpot contact that syncs with one of the account's Salesforce Contacts, and its companies. */
export interface SharedContact {
  hubspotContactId: string;
  /** Every company the HubSpot contact is associated with (primary or not). */
  companyIds: string[];
}

export interface AccountMatchInput {
  accountId: string;
  /** (a) The company already linked to this Account Id, if any. */
  linkedCompanyId: string | undefined;
  /** (b) The HubSpot contacts linked to the account's Contacts. */
  sharedContacts: SharedContact[];
  /** Last-modified time of each candidate company, epoch ms, for the tie-break. */
  companyModifiedAt: (companyId: string) => number | undefined;
  /** Companies already linked to another account: a link is one-to-one, so they are not candidates. */
  linkedElsewhere: ReadonlySet<string>;
}

/** The outcome of C3, with the reason the decision records. */
export type AccountMatch =
  | { kind: 'linked'; companyId: string; reason: string }
  | { kind: 'matched'; companyId: string; reason: string }
  | { kind: 'create'; reason: string };

/**
 * C3: (a) the company linked to the account; (b) else the company associated with the most of the
 * HubSpot contacts that sync with the account's Contacts (tie: most recently modified, then lowest
 * id so the choice is deterministic); (c) else create a company.
 */
export function matchCompanyForAccount(input: AccountMatchInput): AccountMatch {
  if (input.linkedCompanyId !== undefined) {
    return {
      kind: 'linked',
      companyId: input.linkedCompanyId,
      reason: `C3(a): company ${input.linkedCompanyId} is linked to account ${input.accountId}`,
    };
  }
  const votes = new Map<string, Set<string>>();
  let skipped = 0;
  for (const contact of input.sharedContacts) {
    for (const companyId of new Set(contact.companyIds)) {
      if (input.linkedElsewhere.has(companyId)) {
        skipped++;
        continue;
      }
      const voters = votes.get(companyId) ?? new Set<string>();
      voters.add(contact.hubspotContactId);
      votes.set(companyId, voters);
    }
  }
  const ranked = [...votes.entries()]
    .map(([companyId, voters]) => ({
      companyId,
      contacts: voters.size,
      modifiedAt: input.companyModifiedAt(companyId) ?? 0,
    }))
    .sort(
      (a, b) =>
        b.contacts - a.contacts ||
        b.modifiedAt - a.modifiedAt ||
        (a.companyId < b.companyId ? -1 : a.companyId > b.companyId ? 1 : 0),
    );
  const [best, next] = ranked;
  if (!best) {
    const why =
      input.sharedContacts.length === 0
        ? 'none of its Contacts syncs with a HubSpot contact'
        : skipped > 0
          ? 'the companies of its contacts are linked to other accounts'
          : 'its contacts have no company';
    return { kind: 'create', reason: `C3(c): no company to link to account ${input.accountId}: ${why}` };
  }
  const tie = next !== undefined && next.contacts === best.contacts;
  const among = ranked.length > 1 ? ` among ${ranked.length} companies` : '';
  const tieBreak = tie ? '; tie on contacts, the most recently modified company wins' : '';
  return {
    kind: 'matched',
    companyId: best.companyId,
    reason: `C3(b): company ${best.companyId} is associated with ${best.contacts} of the account's synced contacts${among}${tieBreak}`,
  };
}
