/**
 * Extra TLS trust for the AWS target, as the AWS CLI takes it: `--ca-bundle FILE`, else the `AWS_CA_BUNDLE`
 * environment variable (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html). The AWS
 * SDK for JavaScript reads neither (aws/aws-sdk-js#2970), so coldprobe reads the file itself and hands its
 * certificates to every TLS connection it opens. As with the AWS CLI, the bundle replaces the default trust store
 * for those connections. For node tools in general, `NODE_EXTRA_CA_CERTS` adds to the default store instead.
 */
import { readFileSync } from 'node:fs';
import { usageError } from '../core/errors.js';

/** The PEM text of the CA bundle named by `flag` (--ca-bundle) or by AWS_CA_BUNDLE in `env`; undefined when neither is set. */
export function readCaBundle(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const path = flag ?? (env.AWS_CA_BUNDLE || undefined);
  if (path === undefined) return undefined;
  const where = flag !== undefined ? '--ca-bundle' : 'AWS_CA_BUNDLE';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw usageError(`${where} ${path} cannot be read (${typeof code === 'string' ? code : String(error)}).`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw usageError(`${where} ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
  return text;
}
