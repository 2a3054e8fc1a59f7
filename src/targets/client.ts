/**
 * The two LambdaClients both targets share, over one gated handler (one connection pool, one TLS trust):
 *
 * - the invoke client: SDK retries off (`maxAttempts: 1`), since a retried 429 hides a throttle and a retried
 *   invocation is a second invocation;
 * - the control client, for every other call (configuration, versions, aliases, concurrency, clean-up): the
 *   SDK's standard retry strategy (3 attempts, exponential backoff with jitter, throttles and transient errors
 *   retried), because Lambda's control plane is limited to 15 requests per second and answers 429 above it.
 */
import { LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { GatedHandler } from './gated-handler.js';
import { ConnectionPool, type ConnectionPoolOptions } from './connection-pool.js';

/** Settings of the shared clients: region, optional endpoint override and credentials, request timeout in ms. */
export interface ClientSettings {
  region: string;
  endpoint?: string;
  credentials?: LambdaClientConfig['credentials'];
  profile?: string;
  /** Initial request timeout, ms; raised to function timeout + margin once the function is known. */
  requestTimeoutMs?: number;
  /** Connection pool options (extra TLS trust, connect timeout); tests use it for a self-signed emulator. */
  pool?: ConnectionPoolOptions;
}

/** The invoke client, the control client and the handler under both. */
export interface Clients {
  client: LambdaClient;
  control: LambdaClient;
  handler: GatedHandler;
}

/** Attempts of the control client: the SDK's standard strategy default. */
export const CONTROL_MAX_ATTEMPTS = 3;

/** Build both LambdaClients over a fresh gated handler. */
export function createClients(settings: ClientSettings): Clients {
  const handler = new GatedHandler({ requestTimeoutMs: settings.requestTimeoutMs ?? 70_000, pool: new ConnectionPool(settings.pool ?? {}) });
  const base: LambdaClientConfig = { region: settings.region, requestHandler: handler };
  if (settings.endpoint) base.endpoint = settings.endpoint;
  if (settings.credentials) base.credentials = settings.credentials;
  if (settings.profile) base.profile = settings.profile;
  // The invoke client resolves its middleware stack once (its sends carry no per-send options); the gate
  // middleware runs last, on the signed request (see GatedHandler).
  const client = new LambdaClient({ ...base, maxAttempts: 1, cacheMiddleware: true });
  client.middlewareStack.add(handler.gateMiddleware(), { step: 'deserialize', priority: 'low', name: 'coldprobeGate' });
  return {
    client,
    control: new LambdaClient({ ...base, retryMode: 'standard', maxAttempts: CONTROL_MAX_ATTEMPTS }),
    handler,
  };
}
