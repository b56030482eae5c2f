import { Prng } from './prng.ts';

const FIRST = [
  'Olivia',
  'Liam',
  'Emma',
  'Noah',
  'Ava',
  'Oliver',
  'Sophia',
  'Elijah',
  'Isabella',
  'James',
  'Mia',
  'William',
  'Amelia',
  'Benjamin',
  'Harper',
  'Lucas',
  'Evelyn',
  'Henry',
  'Abigail',
  'Theodore',
  'Priya',
  'Arjun',
  'Mei',
  'Hiroshi',
  'Fatima',
  'Omar',
  'Chloé',
  'Lukas',
  'Sofia',
  'Mateo',
  'Aisha',
  'Kwame',
  'Ingrid',
  'Lars',
  'Zoë',
  'Diego',
  'Yuki',
  'Ananya',
  'Nikolai',
  'Grace',
] as const;

const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Patel',
  'Nguyen',
  'Kim',
  'Müller',
  "O'Brien",
  'Rossi',
  'Sato',
  'Okafor',
  'Novak',
  'Larsen',
  'Dubois',
  'Schmidt',
  'Kowalski',
  'Silva',
  'Haddad',
  'Chen',
  'Singh',
  'Ivanova',
  'Fischer',
  'Park',
] as const;

const COMPANY_A = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Vandelay',
  'Stark',
  'Wayne',
  'Tyrell',
  'Soylent',
  'Pied Piper',
  'Wonka',
  'Cyberdyne',
  'Aperture',
  'Gringotts',
  'Oscorp',
  'Massive Dynamic',
  'Dunder Mifflin',
] as const;
const COMPANY_B = [
  'Inc',
  'LLC',
  'GmbH',
  'Ltd',
  'Corp',
  'Labs',
  'Group',
  'Systems',
  'Industries',
  'Partners',
] as const;

const TITLES = [
  'VP Sales',
  'Marketing Manager',
  'CTO',
  'Account Executive',
  'RevOps Lead',
  'Founder',
  'Head of Growth',
  'Sales Development Rep',
  'Product Manager',
  'Customer Success Manager',
] as const;

const FREE_MAIL = ['gmail.com', 'outlook.com', 'yahoo.com', 'proton.me'] as const;

/** One generated person: plain values, no vendor-specific field names. */
export interface FakePerson {
  firstName: string;
  lastName: string;
  email: string;
  company: string;
  domain: string;
  jobTitle: string;
  phone: string;
}

/** Options for `fakePeople`. */
export interface FakePeopleOptions {
  seed?: number;
  /**
   * Company email domains to draw from. A small pool makes emails overlap between the
   * HubSpot and Salesforce sandboxes when both are seeded with the same seed and pool.
   */
  emailDomainPool?: readonly string[];
  /** Fraction of people with a free-mail address instead of a company one (default 0.1). */
  freeMailRate?: number;
}

function ascii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

function companyDomain(company: string): string {
  return `${ascii(company.split(' ')[0] ?? company)}${ascii(company.split(' ')[1] ?? '')}.example.com`;
}

/**
 * Deterministic realistic people. Emails are unique within one call (a numeric suffix is
 * added on collision), lower-case, under `.example.*` domains so they can never reach a
 * real mailbox.
 */
export function fakePeople(count: number, options: FakePeopleOptions = {}): FakePerson[] {
  const rng = new Prng(options.seed ?? 42);
  const freeMailRate = options.freeMailRate ?? 0.1;
  const used = new Set<string>();
  const out: FakePerson[] = [];
  for (let i = 0; i < count; i++) {
    const firstName = rng.pick(FIRST);
    const lastName = rng.pick(LAST);
    const companyName = `${rng.pick(COMPANY_A)} ${rng.pick(COMPANY_B)}`;
    const pool = options.emailDomainPool;
    const domain = pool && pool.length > 0 ? rng.pick(pool) : companyDomain(companyName);
    const mailDomain = rng.chance(freeMailRate) ? rng.pick(FREE_MAIL).replace(/\.\w+$/, '.example') : domain;
    const local = `${ascii(firstName)}.${ascii(lastName)}`;
    let email = `${local}@${mailDomain}`;
    for (let n = 2; used.has(email); n++) email = `${local}${n}@${mailDomain}`;
    used.add(email);
    out.push({
      firstName,
      lastName,
      email,
      company: companyName,
      domain,
      jobTitle: rng.pick(TITLES),
      phone: `+1 555 ${String(rng.int(100, 999))} ${String(rng.int(1000, 9999))}`,
    });
  }
  return out;
}
