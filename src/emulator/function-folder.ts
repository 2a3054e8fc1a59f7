/**
 * Reads function definitions from disk: every sub-folder of a functions folder that holds a `function.json`
 * (`{"runtime","handler","memoryMb","timeoutS","environment","description"}`) is one function named after the
 * folder. Validation errors name the file and the field, because a user wrote that file by hand.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FunctionDefinition } from './api.js';

/** Lambda's limits for the fields a function.json may set (memory in MB, timeout in seconds). */
export const LIMITS = { memoryMinMb: 128, memoryMaxMb: 10_240, timeoutMinS: 1, timeoutMaxS: 900 } as const;

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const RUNTIME = /^(nodejs|python|provided)/;

/** A function.json problem, with the path of the file at fault. */
export class FunctionDefinitionError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'FunctionDefinitionError';
  }
}

/** Every function defined under `dir` (sub-folders without a function.json are skipped), sorted by name. */
export function readFunctionsDir(dir: string): FunctionDefinition[] {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new FunctionDefinitionError(root, 'functions folder does not exist or is not a folder');
  }
  const definitions: FunctionDefinition[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const file = join(root, entry.name, 'function.json');
    if (!existsSync(file)) continue;
    definitions.push(readFunctionJson(file, entry.name));
  }
  return definitions;
}

/** Parse one `function.json`; the function is named `name` and its code is the file's folder. */
export function readFunctionJson(file: string, name: string): FunctionDefinition {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FunctionDefinitionError(file, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return parseFunctionJson(raw, file, name, join(file, '..'));
}

/** Validate the parsed contents of a function.json; `file` is only used in error messages. */
export function parseFunctionJson(raw: unknown, file: string, name: string, codeDir: string): FunctionDefinition {
  const fail = (message: string): never => {
    throw new FunctionDefinitionError(file, message);
  };
  if (!NAME.test(name)) fail(`folder name '${name}' is not a valid Lambda function name (letters, digits, - and _, at most 64)`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('must hold a JSON object');
  const obj = raw as Record<string, unknown>;
  const known = new Set(['runtime', 'handler', 'memoryMb', 'timeoutS', 'environment', 'description', 'layers', 'logFormat', 'systemLogLevel', 'capacityProviderArn']);
  for (const key of Object.keys(obj)) if (!known.has(key)) fail(`unknown field "${key}" (known: ${[...known].join(', ')})`);

  const runtime = obj['runtime'];
  if (typeof runtime !== 'string' || !RUNTIME.test(runtime)) {
    fail(`field "runtime" must be a Lambda runtime id starting with nodejs, python or provided (e.g. "nodejs20.x"), got ${JSON.stringify(runtime)}`);
  }
  const runtimeId = runtime as string;
  const handler = obj['handler'] ?? (runtimeId.startsWith('provided') ? 'bootstrap' : undefined);
  if (typeof handler !== 'string' || handler.length === 0) {
    fail(`field "handler" must be a non-empty string like "index.handler", got ${JSON.stringify(handler)}`);
  }
  if (!runtimeId.startsWith('provided') && !/^[^.]+(\.[^.]+)+$/.test(handler as string)) {
    fail(`field "handler" must look like "file.function", got ${JSON.stringify(handler)}`);
  }
  const memoryMb = integerField(obj, 'memoryMb', 128, LIMITS.memoryMinMb, LIMITS.memoryMaxMb, fail);
  const timeoutS = integerField(obj, 'timeoutS', 3, LIMITS.timeoutMinS, LIMITS.timeoutMaxS, fail);
  const envRaw = obj['environment'] ?? {};
  if (typeof envRaw !== 'object' || envRaw === null || Array.isArray(envRaw)) {
    fail('field "environment" must be an object of string values');
  }
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(envRaw as Record<string, unknown>)) {
    if (typeof value !== 'string') fail(`field "environment.${key}" must be a string, got ${JSON.stringify(value)}`);
    environment[key] = value as string;
  }
  const description = obj['description'] ?? '';
  if (typeof description !== 'string' || description.length > 256) fail('field "description" must be a string of at most 256 characters');
  const definition: FunctionDefinition = {
    name,
    runtime: runtimeId,
    handler: handler as string,
    codeDir: resolve(codeDir),
    memoryMb,
    timeoutS,
    environment,
    description: description as string,
  };
  // Reported configuration only (api.ts FunctionDefinition): what a client reads with GetFunctionConfiguration.
  const layers = obj['layers'];
  if (layers !== undefined) {
    if (!Array.isArray(layers) || layers.length > 5 || !layers.every((l) => typeof l === 'string' && /^arn:[^:]+:lambda:[^:]*:\d*:layer:[^:]+:\d+$/.test(l))) {
      fail('field "layers" must be a list of at most 5 layer version ARNs like "arn:aws:lambda:us-east-1:123456789012:layer:my-layer:3"');
    }
    definition.layers = [...(layers as string[])];
  }
  const logFormat = obj['logFormat'];
  if (logFormat !== undefined) {
    if (logFormat !== 'Text' && logFormat !== 'JSON') fail(`field "logFormat" must be "Text" or "JSON", got ${JSON.stringify(logFormat)}`);
    definition.logFormat = logFormat as 'Text' | 'JSON';
  }
  const level = obj['systemLogLevel'];
  if (level !== undefined) {
    if (level !== 'DEBUG' && level !== 'INFO' && level !== 'WARN') fail(`field "systemLogLevel" must be "DEBUG", "INFO" or "WARN", got ${JSON.stringify(level)}`);
    if (definition.logFormat !== 'JSON') fail('field "systemLogLevel" needs "logFormat": "JSON" (Lambda filters log levels only in the JSON format)');
    definition.systemLogLevel = level as 'DEBUG' | 'INFO' | 'WARN';
  }
  const provider = obj['capacityProviderArn'];
  if (provider !== undefined) {
    if (typeof provider !== 'string' || !/^arn:[^:]+:lambda:[^:]*:\d*:capacity-provider:.+$/.test(provider)) {
      fail(`field "capacityProviderArn" must be a capacity provider ARN like "arn:aws:lambda:us-east-1:123456789012:capacity-provider:my-provider", got ${JSON.stringify(provider)}`);
    }
    definition.capacityProviderArn = provider as string;
  }
  return definition;
}

function integerField(
  obj: Record<string, unknown>,
  field: string,
  fallback: number,
  min: number,
  max: number,
  fail: (message: string) => never,
): number {
  const value = obj[field] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return fail(`field "${field}" must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}
