import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ConfigError } from '../../lib/errors.ts';
import { buildCrmDependencies } from '../../lib/lambda/sync-dependencies.ts';
import {
  MissingSecretsError,
  crmSecretKeysNeeded,
  parseCrmSecrets,
  type SecretSource,
} from '../../lib/lambda/secrets.ts';

/**
 * The secrets as the stack creates them: JSON objects with empty placeholders. An empty value is
 * "not set"; each function checks only its keys and names every missing one at once.
 */
const configPath = fileURLToPath(new URL('../../crmsync.config.example.json', import.meta.url));
const env = {
  CRMSYNC_TABLE_NAME: 'crmsync-store',
  CRMSYNC_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:crmsync-crm',
  CRMSYNC_CONFIG_PATH: configPath,
};
const source = (values: Record<string, string>): SecretSource => ({
  getSecretString: async () => JSON.stringify(values),
});
const dynamoClient = new DynamoDBClient({ region: 'us-east-1' });

describe('secrets: empty values and the keys each function needs', () => {
  it('an empty value parses as not set instead of failing the whole secret', () => {
    const secrets = parseCrmSecrets(
      JSON.stringify({
        hubspotAccessToken: 'pat-na1-abc',
        salesforceInstanceUrl: '',
        salesforceAccessToken: ' ',
      }),
      'arn:crm',
    );
    expect(secrets.get('hubspotAccessToken')).toBe('pat-na1-abc');
    expect(secrets.missing(['hubspotAccessToken', 'salesforceInstanceUrl', 'salesforceAccessToken'])).toEqual(
      ['salesforceInstanceUrl', 'salesforceAccessToken'],
    );
  });

  it('a present but malformed value still fails, naming the key and not the value', () => {
    expect(() => parseCrmSecrets(JSON.stringify({ salesforceInstanceUrl: 'nope' }), 'arn:crm')).toThrow(
      /salesforceInstanceUrl: has an invalid value/,
    );
  });

  it('the processor names every missing CRM key in one error (the freshly created secret)', async () => {
    const error = await buildCrmDependencies({
      env,
      dynamoClient,
      secretSource: source({ hubspotAccessToken: '', salesforceInstanceUrl: '', salesforceAccessToken: '' }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingSecretsError);
    expect((error as MissingSecretsError).missingKeys).toEqual([
      'hubspotAccessToken',
      'salesforceInstanceUrl',
      'salesforceAccessToken',
    ]);
    expect((error as ConfigError).message).toContain(
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:crmsync-crm',
    );
  });

  it('a Salesforce refresh token needs the client id instead of an access token', () => {
    const secrets = parseCrmSecrets(
      JSON.stringify({ salesforceRefreshToken: '5Aep8-refresh', salesforceClientId: '3MVG9-client' }),
      'arn:crm',
    );
    const needed = crmSecretKeysNeeded(secrets, { salesforceInstanceUrlElsewhere: true });
    expect(needed).toEqual(['hubspotAccessToken', 'salesforceClientId']);
    expect(secrets.missing(needed)).toEqual(['hubspotAccessToken']);
    const refreshOnly = parseCrmSecrets(
      JSON.stringify({ salesforceRefreshToken: '5Aep8-refresh' }),
      'arn:crm',
    );
    expect(crmSecretKeysNeeded(refreshOnly, { salesforceInstanceUrlElsewhere: true })).toEqual([
      'hubspotAccessToken',
      'salesforceClientId',
    ]);
    expect(
      crmSecretKeysNeeded(parseCrmSecrets('{}', 'arn:crm'), { salesforceInstanceUrlElsewhere: false }),
    ).toEqual(['hubspotAccessToken', 'salesforceInstanceUrl', 'salesforceAccessToken']);
  });
});
