import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/**
 * The two secrets of a deployment (docs/intake.md#secrets):
 * - **Credentials** (the CRM secret): every CRM credential; read by the processor and the scheduled
 *   functions only.
 * - **IntakeSecret**: the HubSpot webhook signing secret and the Salesforce outbound-message URL
 *   token; read by the public intake functions only, so code facing the internet cannot read a
 *   CRM token.
 *
 * CloudFormation regenerates a secret's value whenever its `GenerateSecretString` changes, which
 * would wipe the credentials an operator filled in. The templates below are therefore frozen (a
 * test pins them byte for byte): a new key is added by the operator to the secret's JSON, never to
 * a template. An empty value in the JSON means "not set" (lib/lambda/secrets.ts).
 */

/** Frozen since the first release: the CRM secret's template. Never edit (see above). */
export const CRM_SECRET_TEMPLATE = JSON.stringify({
  hubspotAccessToken: '',
  hubspotClientSecret: '',
  salesforceInstanceUrl: '',
  salesforceAccessToken: '',
});
/** Frozen: the key Secrets Manager fills in the CRM secret (nothing reads it). */
export const CRM_SECRET_GENERATED_KEY = 'unused';

/** Frozen: the intake secret's template; the operator fills in the HubSpot app's client secret. */
export const INTAKE_SECRET_TEMPLATE = JSON.stringify({ hubspotClientSecret: '' });
/** Frozen: Secrets Manager generates the outbound-message token once, at the first deploy. */
export const INTAKE_SECRET_GENERATED_KEY = 'salesforceOutboundToken';

const NO_ROTATION_REASON =
  'Third-party CRM credentials and the webhook signing secret are rotated in HubSpot and Salesforce, not by a Secrets Manager rotation Lambda.';

/** The CRM secret with empty placeholders; kept when the stack is deleted (it holds credentials). */
export function createCrmSecret(scope: Construct): Secret {
  const secret = new Secret(scope, 'Credentials', {
    description: 'crmsync CRM credentials (JSON). Fill in after deploy; see README "Deploy to AWS".',
    generateSecretString: {
      secretStringTemplate: CRM_SECRET_TEMPLATE,
      generateStringKey: CRM_SECRET_GENERATED_KEY,
    },
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: NO_ROTATION_REASON });
  return secret;
}

/**
 * The intake secret. Its generated key is the outbound-message token: 48 letters and digits
 * (about 285 bits), safe in a URL path, unique per deployment and stable across upgrades.
 */
export function createIntakeSecret(scope: Construct): Secret {
  const secret = new Secret(scope, 'IntakeSecret', {
    description:
      'crmsync intake secret (JSON): hubspotClientSecret (fill in) and salesforceOutboundToken (generated); see README "Deploy to AWS".',
    generateSecretString: {
      secretStringTemplate: INTAKE_SECRET_TEMPLATE,
      generateStringKey: INTAKE_SECRET_GENERATED_KEY,
      excludePunctuation: true,
      includeSpace: false,
      passwordLength: 48,
    },
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: NO_ROTATION_REASON });
  return secret;
}

/** Lets a function read one secret's value, and nothing else (the SDK needs no DescribeSecret). */
export function grantSecretValue(fn: IGrantable, secret: ISecret): void {
  fn.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
  );
}
