import type { Payload } from '@temporalio/common';
import { z } from 'zod';

// The remote codec protocol's body: Temporal's Payloads message as proto JSON, bytes as base64.
// https://docs.temporal.io/production-deployment/data-encryption (codec server).

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const Base64String = z.string().regex(BASE64, 'must be base64');

export const PayloadsBodySchema = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), Base64String).nullish(),
        data: Base64String.nullish(),
      }),
    )
    .max(10_000, 'at most 10000 payloads per request'),
});
export type JsonPayload = z.infer<typeof PayloadsBodySchema>['payloads'][number];

export function fromJson({ metadata, data }: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(data ?? '', 'base64'),
  };
}

export function toJson({ metadata, data }: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
    ),
    data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
  };
}
