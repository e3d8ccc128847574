import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag (AwsSolutions) acknowledgements, through aws-cdk-lib's own Validations API so the constructs need no
 * cdk-nag dependency. Every acknowledgement names the exact finding and says why it is right for Sluice.
 */
export function acknowledge(scope: IConstruct, ids: readonly string[], reason: string): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

/** How cdk-nag prints a resource in a finding ID: `<Logical.Arn>`, `<AWS::Partition>`, joins concatenated. */
export function nagResource(scope: IConstruct, value: string): string {
  return render(Stack.of(scope).resolve(value));
}

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.Ref === 'string') return `<${object.Ref}>`;
    const getAtt = object['Fn::GetAtt'] as [string, string] | undefined;
    if (getAtt) return `<${getAtt[0]}.${getAtt[1]}>`;
    const join = object['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(render).join(join[0]);
  }
  return JSON.stringify(value);
}

export const IAM5 = (finding: string) => `AwsSolutions-IAM5[${finding}]`;

export const BASIC_EXECUTION_ROLE =
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

/** Action wildcards that aws-cdk-lib's grant helpers (grantPut, grantRead, grantDelete, grantEncrypt) write. */
export const GRANT_ACTION_WILDCARDS = [
  'Action::s3:Abort*',
  'Action::s3:DeleteObject*',
  'Action::s3:GetBucket*',
  'Action::s3:GetObject*',
  'Action::s3:List*',
  'Action::kms:GenerateDataKey*',
  'Action::kms:ReEncrypt*',
].map(IAM5);
