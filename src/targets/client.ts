/**
 * The one LambdaClient construction both targets share: the gated handler, SDK retries off (a retried 429
 * hides a throttle) and nothing else that could reshape a burst.
 */
import { LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { GatedHandler } from './gated-handler.js';

/** Settings of the shared client: region, optional endpoint override and credentials, request timeout in ms. */
export interface ClientSettings {
  region: string;
  endpoint?: string;
  credentials?: LambdaClientConfig['credentials'];
  profile?: string;
  /** Initial request timeout, ms; raised to function timeout + margin once the function is known. */
  requestTimeoutMs?: number;
}

/** Build a LambdaClient over a fresh gated handler. */
export function createGatedClient(settings: ClientSettings): { client: LambdaClient; handler: GatedHandler } {
  const handler = new GatedHandler({ requestTimeoutMs: settings.requestTimeoutMs ?? 70_000 });
  const config: LambdaClientConfig = {
    region: settings.region,
    maxAttempts: 1,
    requestHandler: handler,
  };
  if (settings.endpoint) config.endpoint = settings.endpoint;
  if (settings.credentials) config.credentials = settings.credentials;
  if (settings.profile) config.profile = settings.profile;
  return { client: new LambdaClient(config), handler };
}
