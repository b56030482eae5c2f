import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * A minimal DynamoDB attribute codec for the flat items of the crmsync table. The store only writes
 * strings, numbers, booleans and nulls (nested data is stored as a JSON string), so this is all the
 * marshalling it needs; `@aws-sdk/util-dynamodb` is not a dependency.
 */
export type Scalar = string | number | boolean | null;
export type PlainItem = Record<string, Scalar>;
export type DynamoItem = Record<string, AttributeValue>;

/** Plain object → DynamoDB item; `undefined` members are left out. */
export function toItem(obj: Record<string, Scalar | undefined>): DynamoItem {
  const item: DynamoItem = {};
  for (const [name, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    item[name] = toAttribute(value);
  }
  return item;
}

export function toAttribute(value: Scalar): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot store a non-finite number (${value})`);
    return { N: String(value) };
  }
  return { BOOL: value };
}

/** DynamoDB item → plain object; attribute types the store never writes are skipped. */
export function fromItem(item: DynamoItem): PlainItem {
  const out: PlainItem = {};
  for (const [name, attr] of Object.entries(item)) {
    if (attr.S !== undefined) out[name] = attr.S;
    else if (attr.N !== undefined) out[name] = Number(attr.N);
    else if (attr.BOOL !== undefined) out[name] = attr.BOOL;
    else if (attr.NULL) out[name] = null;
  }
  return out;
}

/** The primary key of an item. */
export interface ItemKey {
  pk: string;
  sk: string;
}

export function keyOf(key: ItemKey): DynamoItem {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

/** A string id for a key, for de-duplication and maps. */
export function keyId(item: DynamoItem): string {
  return `${item['pk']?.S ?? ''}\u0000${item['sk']?.S ?? ''}`;
}
