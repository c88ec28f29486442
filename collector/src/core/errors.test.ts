import { describe, expect, it } from 'vitest';
import { GrpcCode, queueRefusal, refusal, RefusalError, REFUSALS } from './errors.ts';

describe('refusal catalogue', () => {
  it('gives every refusal an error status, a gRPC code other than OK and a reason label', () => {
    for (const [code, entry] of Object.entries(REFUSALS)) {
      expect(entry.httpStatus, code).toBeGreaterThanOrEqual(400);
      expect(entry.httpStatus, code).toBeLessThan(600);
      expect(entry.grpcCode, code).not.toBe(GrpcCode.OK);
      expect(entry.reason, code).toMatch(/^[a-z_]+$/);
    }
  });

  it('builds the error from the catalogue: status, gRPC code, reason and the message with the fix', () => {
    const error = refusal('body_too_large', { limit: 1024, configKey: 'logs.raw.maxBodyBytes' });
    expect(error).toBeInstanceOf(RefusalError);
    expect(error).toMatchObject({ code: 'body_too_large', httpStatus: 413, grpcCode: GrpcCode.INVALID_ARGUMENT, reason: 'too_large' });
    expect(error.message).toBe('request body is larger than 1024 bytes (logs.raw.maxBodyBytes); send smaller batches');
  });

  it('answers a full queue with 429 / RESOURCE_EXHAUSTED and a shutting-down one with 503 / UNAVAILABLE', () => {
    expect(queueRefusal('queue_full', 3)).toMatchObject({ httpStatus: 429, grpcCode: 8, reason: 'queue_full', message: 'pipeline queue is full; retry after 3 s' });
    expect(queueRefusal('shutting_down', 5)).toMatchObject({ httpStatus: 503, grpcCode: 14, reason: 'shutting_down' });
  });

  it('names the sender and where the token goes in the auth messages', () => {
    expect(refusal('invalid_token', { sender: 'exporter' }).message).toMatch(/the exporter sends/);
    expect(refusal('missing_token', { where: 'metadata' }).message).toMatch(/authorization metadata/);
    expect(refusal('missing_token', { where: 'header' })).toMatchObject({ httpStatus: 401, grpcCode: 16, reason: 'unauthorized' });
  });

  it('keeps a status override for a 4xx fastify raised itself', () => {
    expect(new RefusalError('malformed', 'bad header', 431)).toMatchObject({ httpStatus: 431, reason: 'malformed' });
  });
});
