import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import protobuf from 'protobufjs/light.js';
import type { KeyRing } from './keys.js';

// AES-256-GCM over the whole payload (metadata and data, protobuf-encoded), so not even a payload's encoding
// (json/plain, binary/null...) is visible in history. Each payload gets a fresh random 96-bit IV; the key id
// travels in the outer metadata so any process holding that key (worker, client, codec server) can decrypt.

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * An encrypted payload could not be opened: its key id is not in IDWISE_CODEC_KEYS, or the key with that id
 * is a different key (or the payload was altered). The class name is the Temporal failure type the SDK gives
 * an activity whose input cannot be decoded, and the workflows list it as non-retryable.
 */
export class PayloadDecryptionFailed extends Error {
  override readonly name = 'PayloadDecryptionFailed';
  constructor(
    message: string,
    readonly keyId: string | null,
  ) {
    super(message);
  }
}

// temporal.api.common.v1.Payload fields 1 and 2 (wire-compatible with the SDK's own proto).
const PayloadProto = new protobuf.Type('Payload')
  .add(new protobuf.MapField('metadata', 1, 'string', 'bytes'))
  .add(new protobuf.Field('data', 2, 'bytes'));
new protobuf.Root().add(PayloadProto);

const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    // Payloads written before the codec was turned on (and the replay fixtures) pass through unchanged.
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private encrypt(payload: Payload): Payload {
    const key = this.ring.keys.get(this.ring.primaryId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const plain = PayloadProto.encode({ metadata: payload.metadata ?? {}, data: payload.data ?? new Uint8Array() });
    const body = Buffer.concat([cipher.update(plain.finish()), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
        [METADATA_KEY_ID]: Buffer.from(this.ring.primaryId),
      },
      data: Buffer.concat([iv, body, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const keyId = text(payload.metadata?.[METADATA_KEY_ID]) ?? null;
    const key = keyId === null ? undefined : this.ring.keys.get(keyId);
    if (!key) {
      const held = [...this.ring.keys.keys()].join(', ');
      throw new PayloadDecryptionFailed(
        keyId === null
          ? 'encrypted payload carries no encryption-key-id'
          : `payload was encrypted under codec key id "${keyId}", which IDWISE_CODEC_KEYS does not hold (it holds ${held}); add that key to the list`,
        keyId,
      );
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionFailed('encrypted payload is truncated', keyId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      const inner = PayloadProto.toObject(PayloadProto.decode(plain), { bytes: Buffer }) as Payload;
      return { metadata: inner.metadata ?? {}, data: inner.data ?? new Uint8Array() };
    } catch {
      throw new PayloadDecryptionFailed(
        `payload under codec key id "${keyId}" failed authentication: the key with that id in IDWISE_CODEC_KEYS is not the one that encrypted it, or the payload was altered`,
        keyId,
      );
    }
  }
}
