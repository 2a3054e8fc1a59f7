import { describe, expect, it } from 'vitest';
import { functionArn, parseFunctionRef, qualifiedArn } from '../../src/emulator/function-ref.js';

describe('parseFunctionRef', () => {
  const ok: Array<[string, string | undefined, { functionName: string; qualifier?: string }]> = [
    ['my-fn', undefined, { functionName: 'my-fn' }],
    ['my_fn2', undefined, { functionName: 'my_fn2' }],
    ['my-fn:7', undefined, { functionName: 'my-fn', qualifier: '7' }],
    ['my-fn:live', undefined, { functionName: 'my-fn', qualifier: 'live' }],
    ['my-fn:$LATEST', undefined, { functionName: 'my-fn', qualifier: '$LATEST' }],
    ['my-fn', 'live', { functionName: 'my-fn', qualifier: 'live' }],
    ['my-fn', '', { functionName: 'my-fn' }],
    ['my-fn:live', 'live', { functionName: 'my-fn', qualifier: 'live' }],
    ['123456789012:function:my-fn', undefined, { functionName: 'my-fn' }],
    ['123456789012:function:my-fn:3', undefined, { functionName: 'my-fn', qualifier: '3' }],
    ['123456789012:function:my-fn', '3', { functionName: 'my-fn', qualifier: '3' }],
    ['arn:aws:lambda:us-east-1:123456789012:function:my-fn', undefined, { functionName: 'my-fn' }],
    ['arn:aws:lambda:eu-west-1:123456789012:function:my-fn:live', undefined, { functionName: 'my-fn', qualifier: 'live' }],
    ['arn:aws:lambda:us-east-1:123456789012:function:my-fn', '$LATEST', { functionName: 'my-fn', qualifier: '$LATEST' }],
    ['arn:aws-cn:lambda:cn-north-1:123456789012:function:f', undefined, { functionName: 'f' }],
  ];
  it.each(ok)('parses %s (Qualifier=%s)', (label, query, expected) => {
    expect(parseFunctionRef(label, query)).toEqual({ ok: true, ref: expected });
  });

  const bad: Array<[string, string | undefined, RegExp]> = [
    ['', undefined, /Invalid function name/],
    ['my fn', undefined, /Invalid function name/],
    ['a:b:c', undefined, /Invalid function name/],
    ['my-fn:', undefined, /Invalid qualifier/],
    ['my-fn:bad.qual', undefined, /Invalid qualifier/],
    ['my-fn', 'bad/qual', /Invalid qualifier/],
    ['my-fn:live', '3', /does not match the specified qualifier/],
    ['arn:aws:lambda:us-east-1:123456789012:function:my-fn:live', 'other', /does not match/],
    ['arn:aws:s3:us-east-1:123456789012:function:my-fn', undefined, /Invalid function ARN/],
    ['arn:aws:lambda:us-east-1:1234:function:my-fn', undefined, /Invalid function ARN/],
    ['arn:aws:lambda:us-east-1:123456789012:layer:my-fn', undefined, /Invalid function ARN/],
    ['arn:aws:lambda:us-east-1:123456789012:function', undefined, /Invalid function ARN/],
    ['123456789012:layer:my-fn', undefined, /Invalid function ARN/],
    ['123456789012:function:my-fn:1:2', undefined, /Invalid function ARN/],
    ['x'.repeat(65), undefined, /Invalid function name/],
    ['x'.repeat(257), undefined, /Invalid function name/],
  ];
  it.each(bad)('rejects %s (Qualifier=%s)', (label, query, message) => {
    const result = parseFunctionRef(label, query);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe('ARNs', () => {
  it('builds unqualified and qualified ARNs', () => {
    expect(functionArn('us-east-1', '123456789012', 'f')).toBe('arn:aws:lambda:us-east-1:123456789012:function:f');
    expect(qualifiedArn('us-east-1', '123456789012', 'f', 'live')).toBe('arn:aws:lambda:us-east-1:123456789012:function:f:live');
    expect(qualifiedArn('us-east-1', '123456789012', 'f')).toBe('arn:aws:lambda:us-east-1:123456789012:function:f');
  });
});
