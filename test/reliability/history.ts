import type { ChangeNotice, CrmSide } from '../../lib/domain/notice.ts';
import { pollChanges } from '../../lib/sync/poll.ts';
import { runResync } from '../../lib/sync/resync.ts';
import type { CompanyModel } from './company-model.ts';
import { type AnyStep, isCompanyStep } from './company-steps.ts';
import { outage, processWithFault, withGap } from './fault-steps.ts';
import { type Harness, IN_SEGMENT, OUT_OF_SEGMENT } from './harness.ts';
import { type DeliveryMode, FIELDS, type Field, SALESFORCE_FIELD } from './steps.ts';

/** A user's write of one field, between `t0` and `t1` (epoch ms around the sandbox call). */
export interface UserWrite {
  side: CrmSide;
  value: string | null;
  t0: number;
  t1: number;
}

/** What the model knows about one person (one email address). */
export interface Person {
  index: number;
  email: string;
  hubspotId?: string;
  /** Every HubSpot contact id the person has had (one, unless a merge took it away). */
  hubspotIds: string[];
  /** Merged away in HubSpot: the person has no HubSpot contact of their own any more. */
  hubspotGone: boolean;
  /**
   * HubSpot contacts merged into this person's (theirs before the merge): the records linked to them
   * then — a Lead crmsync created for one — belong to this person now, but were synced for them.
   */
  absorbedHubSpotIds: string[];
  salesforce?: { objectType: 'Lead' | 'Contact'; id: string };
  /** Every Salesforce id the person's record has had (a converted lead, then its contact). */
  salesforceIds: string[];
  salesforceGone: boolean;
  /**
   * User writes per field since tracking (re)started. A merge keeps the writes that still describe the
   * survivor's records and counts a value the merge itself changed as a write at the merge (the CRM's
   * merge rules decide it); tracking restarts only where the model cannot follow the records.
   */
  writes: Record<Field, UserWrite[]>;
  /** End times of user changes to the person's Salesforce record (any field; conversion). */
  salesforceTouched: number[];
  /** Salesforce records the user created for this person (creations and conversions): R6 applies once to each. */
  salesforceCreations: number;
}

/** Equal as a user sees it: blank is blank, surrounding spaces do not count. */
export function sameValue(current: unknown, next: string | null): boolean {
  const a = typeof current === 'string' ? current.trim() : current == null ? '' : String(current);
  return a === (next ?? '').trim();
}

function isCompanyNotice(n: ChangeNotice): boolean {
  return n.objectType === 'company' || n.objectType === 'Account';
}

function emptyWrites(): Record<Field, UserWrite[]> {
  return { firstname: [], lastname: [], phone: [], jobtitle: [] };
}

/** Runs a history against a harness, keeping the model the invariants are checked against. */
export class History {
  readonly people: Person[];
  /** Notices held back by a `half` delivery: they arrive after the next delivery's notices. */
  #late: ChangeNotice[] = [];
  /** Some delivery was lost for good: quiescence must run the gap recovery (poll + resync). */
  dropped = false;
  readonly log: string[] = [];
  /** The company half of the model, when the history runs with company sync on (company-model.ts). */
  companies?: CompanyModel;

  constructor(
    readonly h: Harness,
    count: number,
    runId: string,
  ) {
    this.people = Array.from({ length: count }, (_, index) => ({
      index,
      email: `p${index}.${runId}@reliability.example.com`,
      hubspotGone: false,
      absorbedHubSpotIds: [],
      hubspotIds: [],
      salesforceIds: [],
      salesforceGone: false,
      writes: emptyWrites(),
      salesforceTouched: [],
      salesforceCreations: 0,
    }));
  }

  /** The person's own HubSpot contact, looked up by email once crmsync may have created it. */
  async hubspotIdOf(p: Person): Promise<string | undefined> {
    if (p.hubspotGone) return undefined;
    if (p.hubspotId) return p.hubspotId;
    const found = await this.h.user.hubspot.findContactsByEmail([p.email], ['email']);
    const own = found.find((c) => c.properties['email']?.toLowerCase() === p.email);
    if (own) {
      p.hubspotId = own.id;
      p.hubspotIds.push(own.id);
    }
    return p.hubspotId;
  }

  /** The person's live Salesforce record (Contact over Lead), looked up by email once crmsync may have created it. */
  async salesforceOf(p: Person): Promise<Person['salesforce']> {
    if (p.salesforceGone) return undefined;
    if (p.salesforce) return p.salesforce;
    const found = await this.h.user.salesforce.findByEmail([p.email], {
      Lead: ['Email'],
      Contact: ['Email'],
    });
    const live = found.filter((r) => !r.isConverted && !r.isDeleted);
    const pick = live.find((r) => r.objectType === 'Contact') ?? live[0];
    if (pick) {
      p.salesforce = { objectType: pick.objectType, id: pick.id };
      p.salesforceIds.push(pick.id);
    }
    return p.salesforce;
  }

  #write(p: Person, side: CrmSide, field: Field, value: string | null, t0: number, t1: number): void {
    p.writes[field].push({ side, value, t0, t1 });
  }

  /** Applies one step; a step whose preconditions do not hold (no such record yet) does nothing. */
  async apply(step: AnyStep): Promise<void> {
    const { h } = this;
    if (isCompanyStep(step)) return this.companies?.apply(step, this);
    switch (step.kind) {
      case 'hubspot-create': {
        const p = this.people[step.p]!;
        if (p.hubspotGone || (await this.hubspotIdOf(p))) return;
        const t0 = Date.now();
        p.hubspotId = await h.stack.hubspotSandbox.userCreateContact({
          email: p.email,
          ...step.values,
          lifecyclestage: step.inSegment ? IN_SEGMENT : OUT_OF_SEGMENT,
        });
        p.hubspotIds.push(p.hubspotId);
        const t1 = Date.now();
        for (const f of FIELDS)
          if (step.values[f] !== undefined) this.#write(p, 'hubspot', f, step.values[f], t0, t1);
        if (step.inSegment) await h.refresh();
        break;
      }
      case 'salesforce-create': {
        const p = this.people[step.p]!;
        if (p.salesforceGone || (await this.salesforceOf(p))) return;
        const fields: Record<string, unknown> = { Email: p.email };
        for (const f of FIELDS)
          if (step.values[f] !== undefined) fields[SALESFORCE_FIELD[f]] = step.values[f];
        if (step.objectType === 'Lead') fields['Company'] = 'Acme';
        const t0 = Date.now();
        const id = await withGap(h, step.gap, step.objectType, () =>
          h.stack.salesforceSandbox.userCreate(step.objectType, fields),
        );
        const t1 = Date.now();
        p.salesforce = { objectType: step.objectType, id };
        p.salesforceIds.push(id);
        p.salesforceCreations++;
        p.salesforceTouched.push(t1);
        for (const f of FIELDS)
          if (step.values[f] !== undefined) this.#write(p, 'salesforce', f, step.values[f], t0, t1);
        break;
      }
      case 'hubspot-edit': {
        const p = this.people[step.p]!;
        const id = await this.hubspotIdOf(p);
        if (!id) return;
        const [current] = await h.user.hubspot.readContacts([id], [step.field]);
        const t0 = Date.now();
        await h.stack.hubspotSandbox.userUpdateContact(id, { [step.field]: step.value });
        // Setting the value a property already has is no change in HubSpot (no history entry, no event).
        if (!sameValue(current?.properties[step.field], step.value))
          this.#write(p, 'hubspot', step.field, step.value, t0, Date.now());
        break;
      }
      case 'salesforce-edit': {
        const p = this.people[step.p]!;
        const sf = await this.salesforceOf(p);
        if (!sf) return;
        const current = h.stack.salesforceSandbox.getRecord(sf.id)?.[SALESFORCE_FIELD[step.field]];
        const t0 = Date.now();
        await withGap(h, step.gap, sf.objectType, async () => {
          await h.stack.salesforceSandbox.userUpdate(sf.objectType, sf.id, {
            [SALESFORCE_FIELD[step.field]]: step.value,
          });
          return sf.id;
        });
        const t1 = Date.now();
        // Salesforce bumps SystemModstamp even on a same-value save: the record counts as touched.
        p.salesforceTouched.push(t1);
        if (!sameValue(current, step.value)) this.#write(p, 'salesforce', step.field, step.value, t0, t1);
        break;
      }
      case 'segment': {
        const p = this.people[step.p]!;
        const id = await this.hubspotIdOf(p);
        if (!id) return;
        await h.stack.hubspotSandbox.userUpdateContact(id, {
          lifecyclestage: step.join ? IN_SEGMENT : OUT_OF_SEGMENT,
        });
        await h.refresh();
        break;
      }
      case 'convert': {
        const p = this.people[step.p]!;
        const sf = await this.salesforceOf(p);
        if (sf?.objectType !== 'Lead') return;
        const { contactId } = await h.stack.salesforceSandbox.convertLead(sf.id);
        p.salesforce = { objectType: 'Contact', id: contactId };
        p.salesforceIds.push(contactId);
        // The new Contact is a newly created Salesforce contact: R6 applies to it once.
        p.salesforceCreations++;
        p.salesforceTouched.push(Date.now());
        break;
      }
      case 'hubspot-merge': {
        const p = this.people[step.p]!;
        const q = this.people[step.q]!;
        if (p === q) return;
        const a = await this.hubspotIdOf(p);
        const b = await this.hubspotIdOf(q);
        if (!a || !b) return;
        // Without a Salesforce record of its own, the survivor may take over the loser's link and record,
        // whose writes the model keeps under the loser: tracking restarts, as the CRMs decide the values.
        const restart = !(await this.salesforceOf(p)) && (await this.salesforceOf(q)) !== undefined;
        const [before] = await h.user.hubspot.readContacts([a], [...FIELDS]);
        const t0 = Date.now();
        await h.stack.hubspotSandbox.userMergeContacts(a, b);
        const t1 = Date.now();
        const [survivor] = await h.user.hubspot.readContacts([a], [...FIELDS]);
        p.absorbedHubSpotIds.push(...q.hubspotIds, ...q.absorbedHubSpotIds);
        q.hubspotGone = true;
        q.hubspotId = undefined;
        q.writes = emptyWrites();
        if (restart) p.writes = emptyWrites();
        // A HubSpot merge leaves the survivor's Salesforce record as it was, so its Salesforce writes stand
        // (seed 1230012864: forgetting them made a same-value save look like a blank before a first link).
        // On HubSpot a property the merge filled from the loser is a HubSpot write at the merge; one it
        // left as it was keeps its writes (as for a Salesforce merge's master, below).
        else
          for (const f of FIELDS) {
            const value = survivor?.properties[f] ?? null;
            if (sameValue(before?.properties[f], value)) continue;
            p.writes[f] = p.writes[f].filter((w) => w.side === 'salesforce');
            this.#write(p, 'hubspot', f, value, t0, t1);
          }
        await h.refresh();
        break;
      }
      case 'salesforce-merge': {
        const p = this.people[step.p]!;
        const q = this.people[step.q]!;
        if (p === q) return;
        const a = await this.salesforceOf(p);
        const b = await this.salesforceOf(q);
        // After a HubSpot merge the survivor may take over the loser's Lead (and write its own email on
        // it), so both people name the same record: a user cannot merge a record with itself (seed
        // 1380044052, docs/reliability.md finding 39, a model error).
        if (!a || !b || a.objectType !== b.objectType || a.id === b.id) return;
        const fieldsRead = FIELDS.map((f) => SALESFORCE_FIELD[f]);
        const [before] = await h.user.salesforce.readRecords(a.objectType, [a.id], fieldsRead);
        const t0 = Date.now();
        await h.stack.salesforceSandbox.merge(a.objectType, a.id, [b.id]);
        const t1 = Date.now();
        q.salesforceGone = true;
        q.salesforce = undefined;
        q.writes = emptyWrites();
        p.salesforceTouched.push(t1);
        // Salesforce tracking restarts from what the merge left on the master (the CRM's merge rules
        // decide its values): a field the merge changed holds Salesforce's latest value, so the
        // record-level time rule applies to it as to any Salesforce write (seed 1211616522 of run 5). A
        // field the merge left as it was keeps its tracking: a HubSpot change made before the merge and
        // not synced yet is still the latest user write (seed 1212953471 of run 8). The master's HubSpot
        // contact is untouched by a Salesforce merge, so its HubSpot writes stand either way (seed
        // 1320013052: forgetting them made HubSpot's phone look blank before a first link, the mirror of
        // seed 1230012864 at a HubSpot merge).
        const [master] = await h.user.salesforce.readRecords(a.objectType, [a.id], fieldsRead);
        for (const f of FIELDS) {
          const value = master?.fields[SALESFORCE_FIELD[f]];
          if (value === before?.fields[SALESFORCE_FIELD[f]]) continue;
          p.writes[f] = p.writes[f].filter((w) => w.side === 'hubspot');
          if (typeof value === 'string' && value !== '') this.#write(p, 'salesforce', f, value, t0, t1);
        }
        break;
      }
      case 'deliver':
        await this.deliver(step.mode, step.seed);
        break;
      case 'process':
        await processWithFault(h, step);
        break;
      case 'process-concurrently':
        await h.processConcurrently(step.max, step.share, step.seed);
        break;
      case 'outage':
        await this.deliver('in-order', 0);
        await outage(h, step.side);
        break;
      case 'redrive':
        await h.redriveDlq();
        break;
      case 'poll':
        h.passTime(60 * 60_000);
        await pollChanges(h.deps);
        break;
      case 'resync':
        h.passTime(60 * 60_000);
        await runResync(h.deps);
        break;
    }
  }

  /** Moves the notices the intake accepted onto the changes queue, with a delivery fault. */
  async deliver(mode: DeliveryMode, seed: number): Promise<void> {
    const { h } = this;
    await h.collect();
    const notices = h.takeHeld();
    const late = this.#late;
    this.#late = [];
    switch (mode) {
      case 'in-order':
        await h.enqueue(notices);
        break;
      case 'reversed':
        await h.enqueue([...notices].reverse());
        break;
      case 'duplicated':
        await h.enqueue(notices);
        await h.enqueue([...notices].reverse());
        break;
      case 'half': {
        const cut = Math.ceil(notices.length / 2);
        await h.enqueue(notices.slice(cut));
        this.#late.push(...notices.slice(0, cut));
        break;
      }
      case 'drop-some': {
        let x = seed | 1;
        const kept = notices.filter((notice) => {
          // xorshift: a reproducible choice from the step's seed.
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          // No company resync exists yet to recover a lost company/account notice: those are spared
          // (docs/reliability.md "Companies").
          return (x & 3) !== 0 || (this.companies !== undefined && isCompanyNotice(notice));
        });
        if (kept.length < notices.length) this.dropped = true;
        await h.enqueue(kept);
        break;
      }
    }
    await h.enqueue(late);
  }

  /** Delivers and processes until nothing is left anywhere. */
  async #settle(): Promise<void> {
    for (let round = 0; round < 12; round++) {
      await this.h.collect();
      const notices = [...this.h.takeHeld(), ...this.#late];
      this.#late = [];
      await this.h.enqueue(notices);
      const invocations = await this.h.drain();
      if (notices.length === 0 && invocations === 0 && this.h.held.length === 0) return;
    }
    throw new Error('the system did not settle in 12 rounds of deliver + drain');
  }

  /**
   * Quiescence: faults off, every delivery in, the queue drained; after lost deliveries the gap
   * recovery an operator runs (poll both CRMs, resync the segment); then a segment refresh.
   */
  async quiesce(): Promise<void> {
    this.h.stack.hubspotSandbox.clearFaults();
    this.h.stack.salesforceSandbox.clearFaults();
    await this.#settle();
    // The operator redrives what reached the DLQ once its cause is fixed (faults are off now).
    while ((await this.h.depth()).dlq > 0) {
      await this.h.redriveDlq();
      await this.#settle();
    }
    if (this.dropped) {
      this.h.passTime(60 * 60_000);
      await pollChanges(this.h.deps);
      await runResync(this.h.deps);
      await this.#settle();
    }
    await this.h.refresh();
    await this.#settle();
  }
}
