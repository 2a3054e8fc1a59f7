/**
 * Lambda-shaped service errors (lambda-protocol.md §1.4): `x-amzn-ErrorType` is required (the CLI and boto
 * never read `__type` on rest-json), `x-amzn-RequestId` on every error, JSON body with `Type` and the
 * member casing the model uses for that exception.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** Exceptions whose message member is upper-case `Message` in the Lambda model; the rest use `message`. */
const UPPER_MESSAGE = new Set(['ResourceNotFoundException', 'ServiceException', 'RecursiveInvocationException']);

export interface ServiceError {
  status: number;
  type: string;
  message: string;
  /** Extra members copied onto the SDK's error object (e.g. `Reason` for 429). */
  extra?: Record<string, unknown>;
}

export function serviceError(status: number, type: string, message: string, extra?: Record<string, unknown>): ServiceError {
  return extra === undefined ? { status, type, message } : { status, type, message, extra };
}

/** Writes a service error; `requestId` defaults to a fresh uuid. */
export function sendServiceError(res: ServerResponse, error: ServiceError, requestId: string = randomUUID()): void {
  const messageKey = UPPER_MESSAGE.has(error.type) ? 'Message' : 'message';
  const body = JSON.stringify({
    ...error.extra,
    Type: error.status >= 500 ? 'Service' : 'User',
    [messageKey]: error.message,
  });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': error.type,
  });
  res.end(body);
}

/** 429 with the Reason members real Lambda sends. */
export const throttled = (reason: string): ServiceError =>
  serviceError(429, 'TooManyRequestsException', 'Rate Exceeded.', { Reason: reason });
