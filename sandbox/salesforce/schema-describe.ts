/**
 * The describe bodies the REST API returns for an object of the sandbox's schema
 * (`GET /sobjects/{type}/describe`), with SOAP types and field flags as clients read them.
 */
import type { FieldDef, FieldType, ObjectDef } from './schema.ts';

const SOAP_TYPE: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  picklist: 'xsd:string',
  boolean: 'xsd:boolean',
  datetime: 'xsd:dateTime',
  date: 'xsd:date',
  double: 'xsd:double',
  int: 'xsd:int',
  currency: 'xsd:double',
};

/** The `GET /sobjects/{type}/describe` body (the subset of keys clients read). */
export function describeObject(def: ObjectDef, baseUrl: string): Record<string, unknown> {
  const urls = {
    sobject: `${baseUrl}/sobjects/${def.name}`,
    describe: `${baseUrl}/sobjects/${def.name}/describe`,
    rowTemplate: `${baseUrl}/sobjects/${def.name}/{ID}`,
  };
  return {
    name: def.name,
    label: def.label,
    labelPlural: def.labelPlural,
    keyPrefix: def.keyPrefix,
    custom: false,
    createable: true,
    updateable: true,
    deletable: true,
    undeletable: true,
    queryable: true,
    retrieveable: true,
    searchable: true,
    mergeable: true,
    replicateable: true,
    triggerable: true,
    layoutable: true,
    urls,
    childRelationships: [],
    recordTypeInfos: [],
    fields: def.fields.map((d) => describeField(def, d)),
  };
}

function describeField(def: ObjectDef, d: FieldDef): Record<string, unknown> {
  const isPicklist = d.type === 'picklist';
  return {
    name: d.name,
    label: d.label,
    type: d.type,
    soapType: SOAP_TYPE[d.type],
    length: d.length ?? 0,
    byteLength: (d.length ?? 0) * 3,
    precision: d.type === 'currency' ? 18 : 0,
    scale: d.type === 'currency' ? 2 : 0,
    digits: d.type === 'int' ? 8 : 0,
    nillable: d.nillable,
    createable: d.createable,
    updateable: d.updateable,
    defaultedOnCreate: d.defaultValue !== undefined || d.system === true || d.name === 'OwnerId',
    defaultValue: d.defaultValue === 'false' ? false : (d.defaultValue ?? null),
    unique: false,
    externalId: false,
    idLookup: d.name === 'Id' || d.name === 'Email' || (def.name === 'Account' && d.name === 'Name'),
    filterable: d.type !== 'textarea' || d.length === undefined || d.length <= 255,
    sortable: d.type !== 'textarea' || (d.length ?? 0) <= 255,
    groupable: d.type !== 'textarea' && d.type !== 'double' && d.type !== 'currency',
    calculated: false,
    custom: false,
    compoundFieldName:
      d.compound && d.compound.field !== 'Name' ? d.compound.field : d.compound ? 'Name' : null,
    nameField: d.name === 'Name',
    restrictedPicklist: d.restrictedPicklist === true,
    dependentPicklist: false,
    referenceTo: d.referenceTo ?? (d.type === 'reference' ? [def.name] : []),
    relationshipName: d.type === 'reference' ? d.name.replace(/Id$/, '') : null,
    picklistValues: isPicklist
      ? (d.picklist ?? []).map((v) => ({
          active: true,
          defaultValue: v === d.defaultValue,
          label: v,
          validFor: null,
          value: v,
        }))
      : [],
  };
}
