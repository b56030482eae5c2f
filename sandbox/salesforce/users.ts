/**
 * Users and queues: the records `OwnerId` points at. The sandbox creates them outside the
 * REST API (an admin adds users in Setup), so they carry no change events.
 */
import { KEY_PREFIX, makeId } from './ids.ts';
import type { SfRecord } from './transaction.ts';

// Far above what the record counter reaches, so added users never collide with the system users.
const SYSTEM_USER_COUNTER = 1_000_000_000_000;

/**
 * Default users: the integration user crmsync authenticates as (every API token), a human UI user,
 * and the user a data load runs as (the silent seed): a real import is made by an admin, never by
 * crmsync's integration user, so its records do not look like crmsync's (`CreatedById`).
 */
export const INTEGRATION_USER_ID = makeId(KEY_PREFIX.User, SYSTEM_USER_COUNTER + 1);
export const UI_USER_ID = makeId(KEY_PREFIX.User, SYSTEM_USER_COUNTER + 2);
export const DATA_LOAD_USER_ID = makeId(KEY_PREFIX.User, SYSTEM_USER_COUNTER + 3);

/** The User records of the three system users, as every org (and every data file loaded) has them. */
export function systemUsers(at: string): SfRecord[] {
  return [
    userRecord(
      INTEGRATION_USER_ID,
      { Email: 'integration@crmsync.sandbox', FirstName: 'Integration', LastName: 'User' },
      at,
      INTEGRATION_USER_ID,
    ),
    userRecord(
      UI_USER_ID,
      { Email: 'admin@crmsync.sandbox', FirstName: 'Sandbox', LastName: 'Admin' },
      at,
      INTEGRATION_USER_ID,
    ),
    userRecord(
      DATA_LOAD_USER_ID,
      { Email: 'dataload@crmsync.sandbox', FirstName: 'Data', LastName: 'Load' },
      at,
      INTEGRATION_USER_ID,
    ),
  ];
}

/** What a test or the demo gives to add a User. */
export interface UserInput {
  Email: string;
  FirstName?: string;
  LastName: string;
  /** Default true; an inactive user cannot own records (INACTIVE_OWNER_OR_USER). */
  IsActive?: boolean;
  /** Default `Standard` (a licensed internal user). */
  UserType?: string;
}

/** What a test or the demo gives to add a queue. */
export interface QueueInput {
  Name: string;
  Email?: string;
}

/** A User record with every field of the schema. */
export function userRecord(id: string, u: UserInput, at: string, by: string): SfRecord {
  const name = [u.FirstName, u.LastName].filter(Boolean).join(' ');
  return {
    type: 'User',
    fields: {
      Id: id,
      Username: `${u.Email.toLowerCase()}.sandbox`,
      Email: u.Email,
      FirstName: u.FirstName ?? null,
      LastName: u.LastName,
      Name: name,
      IsActive: u.IsActive ?? true,
      UserType: u.UserType ?? 'Standard',
      ...audit(at, by),
    },
  };
}

/** A Group record of Type 'Queue'. */
export function groupRecord(id: string, q: QueueInput, at: string, by: string): SfRecord {
  return {
    type: 'Group',
    fields: {
      Id: id,
      Name: q.Name,
      DeveloperName: q.Name.replace(/\W+/g, '_'),
      Type: 'Queue',
      Email: q.Email ?? null,
      ...audit(at, by),
    },
  };
}

function audit(at: string, by: string): Record<string, unknown> {
  return {
    CreatedDate: at,
    CreatedById: by,
    LastModifiedDate: at,
    LastModifiedById: by,
    SystemModstamp: at,
  };
}
