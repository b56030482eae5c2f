/**
 * Users and queues: the records `OwnerId` points at. The sandbox creates them outside the
 * REST API (an admin adds users in Setup), so they carry no change events.
 */
import type { SfRecord } from './store.ts';

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
