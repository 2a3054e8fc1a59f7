/**
 * Alias operations for `coldprobe run` over the SDK target's LambdaClient. The Target interface has no alias
 * calls, so the CLI (which wires layers) supplies them to the matrix runner when the target is SDK-based.
 */
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  GetAliasCommand,
  UpdateAliasCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { targetUnavailable } from '../../core/errors.js';
import type { AliasOps } from '../../engine/cleanup.js';

function failure(what: string, error: unknown): Error {
  const message = error instanceof Error ? error.message.replace(/\s+/g, ' ').trim() : String(error);
  return targetUnavailable(`${what}: ${message}.`, error);
}

/** AliasOps over `client` (Create/Get/Update/DeleteAlias). */
export function sdkAliasOps(client: LambdaClient): AliasOps {
  return {
    async get(functionName, name) {
      try {
        return (await client.send(new GetAliasCommand({ FunctionName: functionName, Name: name }))).FunctionVersion;
      } catch (error) {
        if ((error as { name?: unknown }).name === 'ResourceNotFoundException') return undefined;
        throw failure(`reading alias ${functionName}:${name}`, error);
      }
    },
    async create(functionName, name, version) {
      try {
        await client.send(new CreateAliasCommand({ FunctionName: functionName, Name: name, FunctionVersion: version, Description: 'coldprobe run (deleted afterwards)' }));
      } catch (error) {
        throw failure(`creating alias ${functionName}:${name} on version ${version}`, error);
      }
    },
    async update(functionName, name, version) {
      try {
        await client.send(new UpdateAliasCommand({ FunctionName: functionName, Name: name, FunctionVersion: version }));
      } catch (error) {
        throw failure(`pointing alias ${functionName}:${name} at version ${version}`, error);
      }
    },
    async delete(functionName, name) {
      try {
        await client.send(new DeleteAliasCommand({ FunctionName: functionName, Name: name }));
      } catch (error) {
        if ((error as { name?: unknown }).name === 'ResourceNotFoundException') return;
        throw failure(`deleting alias ${functionName}:${name}`, error);
      }
    },
  };
}
