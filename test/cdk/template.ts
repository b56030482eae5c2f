import type { Template } from 'aws-cdk-lib/assertions';

/** Reading a synthesized template: resources, a function's logical id, its role's IAM statements. */
export type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
type Statement = { Action: string | string[]; Resource: unknown };

export class TemplateReader {
  readonly resources: Record<string, Resource>;

  constructor(readonly template: Template) {
    this.resources = template.toJSON().Resources as Record<string, Resource>;
  }

  /** The logical id of the function built from functions/<file>.ts (admin and job sit in the ControlPlane construct). */
  functionId(file: string): string {
    const pascal = file.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
    const ids = Object.keys(this.template.findResources('AWS::Lambda::Function')).filter(
      (k) => !k.includes('Logs'),
    );
    const id =
      ids.find((k) => k.startsWith(`CrmSyncControlPlane${pascal}`)) ??
      ids.find((k) => k.startsWith(`CrmSync${pascal}`));
    if (!id) throw new Error(`no function for ${file}`);
    return id;
  }

  /** Logical ids of resources of a type whose id starts with `CrmSync<prefix>`. */
  idsOf(type: string, prefix: string): string[] {
    return Object.keys(this.template.findResources(type)).filter((k) => k.startsWith(`CrmSync${prefix}`));
  }

  /** Every IAM statement of a function's role (inline policies). */
  statementsOf(file: string): Statement[] {
    const fn = this.resources[this.functionId(file)]!;
    const roleRef = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policies = Object.values(this.resources).filter(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleRef),
    );
    return policies.flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement ?? [],
    );
  }

  /** The distinct IAM actions of a function's role, sorted. */
  actionsOf(file: string): string[] {
    const actions = this.statementsOf(file).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    return [...new Set(actions)].sort();
  }

  /** The resources (as JSON text) a function may use `action` on. */
  resourcesOf(file: string, action: string): string {
    return JSON.stringify(
      this.statementsOf(file)
        .filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action))
        .map((s) => s.Resource),
    );
  }
}
