import { describe, expect, it } from 'vitest';
import { reportTailRisks } from '../../src/core/tail-risks.js';
import { parseFunctionJson } from '../../src/emulator/function-folder.js';

describe('reportTailRisks', () => {
  it.each([
    ['nothing configured', {}, 0],
    ['Text format', { logFormat: 'Text' }, 0],
    ['JSON at INFO', { logFormat: 'JSON', systemLogLevel: 'INFO' }, 0],
    ['JSON at DEBUG', { logFormat: 'JSON', systemLogLevel: 'DEBUG' }, 0],
    ['JSON at WARN', { logFormat: 'JSON', systemLogLevel: 'WARN' }, 1],
    ['JSON at ERROR', { logFormat: 'JSON', systemLogLevel: 'ERROR' }, 1],
    ['no layers', { layers: 0 }, 0],
    ['two layers', { layers: 2 }, 1],
    ['Managed Instances', { capacityProviderArn: 'arn:aws:lambda:us-east-1:1:capacity-provider:p' }, 1],
    ['all three', { layers: 1, logFormat: 'JSON', systemLogLevel: 'WARN', capacityProviderArn: 'arn:aws:lambda:us-east-1:1:capacity-provider:p' }, 3],
  ])('%s → %i warnings', (_name, facts, count) => {
    expect(reportTailRisks({ functionName: 'f', ...facts })).toHaveLength(count);
  });
});

describe('function.json fields the emulator reports', () => {
  const parse = (extra: Record<string, unknown>) => parseFunctionJson({ runtime: 'nodejs20.x', handler: 'index.handler', ...extra }, 'f/function.json', 'f', '/tmp/f');
  it('reads layers, log format, system log level and capacity provider', () => {
    expect(
      parse({ layers: ['arn:aws:lambda:us-east-1:123456789012:layer:x:1'], logFormat: 'JSON', systemLogLevel: 'WARN', capacityProviderArn: 'arn:aws:lambda:us-east-1:123456789012:capacity-provider:p' }),
    ).toMatchObject({ layers: ['arn:aws:lambda:us-east-1:123456789012:layer:x:1'], logFormat: 'JSON', systemLogLevel: 'WARN', capacityProviderArn: 'arn:aws:lambda:us-east-1:123456789012:capacity-provider:p' });
  });
  it.each([
    [{ layers: 'arn' }, /field "layers" must be a list/],
    [{ logFormat: 'json' }, /field "logFormat" must be "Text" or "JSON"/],
    [{ systemLogLevel: 'WARN' }, /needs "logFormat": "JSON"/],
    [{ logFormat: 'JSON', systemLogLevel: 'ERROR' }, /"DEBUG", "INFO" or "WARN"/],
    [{ capacityProviderArn: 'p' }, /capacity provider ARN/],
  ])('refuses %j', (extra, message) => {
    expect(() => parse(extra)).toThrow(message);
  });
});
