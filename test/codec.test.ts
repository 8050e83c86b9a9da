import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { createDataConverter, getDataConverter, loadCodecKeys } from '../codec/data-converter.js';
import { EncryptionCodec, METADATA_KEY_ID, PayloadDecryptionFailed } from '../codec/encryption-codec.js';
import { describeKeyRing, generateKeyList, parseKeyRing, weakKeyReason } from '../codec/keys.js';
import { codecVector, vectorPayload } from './helpers/codec-vector.js';

// The codec and its keys without a server: formats, rotation, pass-through, refusals, redaction.

const b64 = (bytes: Buffer) => bytes.toString('base64');
const json = (value: unknown): Payload => ({
  metadata: { [METADATA_ENCODING_KEY]: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(value)),
});
const text = (p: Payload) => Buffer.from(p.data ?? []).toString('utf8');

describe('IDWISE_CODEC_KEYS', () => {
  const good = b64(randomBytes(32));

  it('reads keyId:base64 pairs; the first encrypts, all decrypt', () => {
    const ring = loadCodecKeys({ IDWISE_CODEC_KEYS: `k2:${good}, k1:${b64(randomBytes(32))}` });
    expect(ring.primaryId).toBe('k2');
    expect([...ring.keys.keys()]).toEqual(['k2', 'k1']);
    expect(ring.keys.get('k2')).toEqual(Buffer.from(good, 'base64'));
  });

  it('refuses an unset variable, saying how to generate a key', () => {
    expect(() => loadCodecKeys({})).toThrow(/IDWISE_CODEC_KEYS is not set.*randomBytes\(32\)/s);
  });

  it.each([
    ['wrong length', `k1:${b64(randomBytes(16))}`, /entry 1 \(key id "k1"\) is 16 bytes, not 32/],
    ['not base64', 'k1:this is not base64!!', /entry 1 \(key id "k1"\) is not base64/],
    ['all zero', `k1:${b64(Buffer.alloc(32))}`, /is all zero bytes/],
    ['low entropy', `k1:${b64(Buffer.from('abcdefghabcdefghabcdefghabcdefg!'))}`, /fewer than 16 distinct/],
    ['a repeated pattern', `k1:${b64(Buffer.from('0123456789abcdef0123456789abcdef'))}`, /repeats a 16-byte pattern/],
    ['duplicate ids', `k1:${good},k1:${b64(randomBytes(32))}`, /entry 2: key id "k1" appears twice/],
    ['an empty id', `:${good}`, /entry 1 has no key id/],
    ['no id at all', good, /entry 1 has no key id/],
  ])('refuses %s without echoing key material', (_what, value, message) => {
    let error: Error | undefined;
    try {
      loadCodecKeys({ IDWISE_CODEC_KEYS: value });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).toContain('IDWISE_CODEC_KEYS');
    const material = value.split(',').map((e) => e.slice(e.indexOf(':') + 1).trim());
    for (const m of material) if (m.length >= 8) expect(error?.message).not.toContain(m);
  });

  it('finds repeated short patterns and low entropy in otherwise well-formed keys', () => {
    const pattern = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.slice(0, 16));
    expect(weakKeyReason(Buffer.concat([pattern, pattern]))).toMatch(/repeats a 16-byte pattern/);
    expect(weakKeyReason(Buffer.alloc(32, 7))).toMatch(/fewer than 16 distinct/);
    expect(weakKeyReason(randomBytes(32))).toBeNull();
  });

  it('shows key ids, never keys, when a configuration is logged', () => {
    const raw = `new:${good},old:${b64(randomBytes(32))}`;
    const ring = parseKeyRing('IDWISE_CODEC_KEYS', raw);
    const shown = [JSON.stringify({ codecKeys: ring }), inspect({ codecKeys: ring }), describeKeyRing(ring)];
    for (const s of shown) {
      expect(s).toContain('new (encrypts)');
      expect(s).not.toContain(good);
      expect(s).not.toContain(Buffer.from(good, 'base64').toString('hex').slice(0, 16));
    }
  });
});

describe('EncryptionCodec', () => {
  const oldKeys = generateKeyList(['old']);
  const codec = (list: string) => new EncryptionCodec(parseKeyRing('IDWISE_CODEC_KEYS', list));

  it('encrypts the whole payload under the first key with a fresh IV, and decrypts it', async () => {
    const c = codec(oldKeys);
    const secret = json({ image: '/srv/uploads/passport-of-jane.png' });
    const [a, b] = await c.encode([secret, secret]);
    expect(Buffer.from(a!.metadata![METADATA_ENCODING_KEY]!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(a!.metadata![METADATA_KEY_ID]!).toString()).toBe('old');
    expect(Object.keys(a!.metadata!)).toEqual([METADATA_ENCODING_KEY, METADATA_KEY_ID]);
    expect(text(a!)).not.toContain('passport');
    expect(Buffer.from(a!.data!).subarray(0, 12)).not.toEqual(Buffer.from(b!.data!).subarray(0, 12));
    const [decoded] = await c.decode([a!]);
    expect(text(decoded!)).toBe(text(secret));
    expect(Buffer.from(decoded!.metadata![METADATA_ENCODING_KEY]!).toString()).toBe('json/plain');
  });

  it("decrypts docs/codec.md's test vector, whose parts are the layout the document specifies", async () => {
    const v = codecVector();
    const [decoded] = await codec(v.codecKeys).decode([vectorPayload(v.encrypted)]);
    expect(decoded).toEqual(vectorPayload(v.plain));
    const data = Buffer.from(v.encrypted.data!, 'base64');
    expect(data.toString('hex')).toBe(v.ivHex + v.ciphertextHex + v.tagHex);
    expect(v.ciphertextHex.length).toBe(v.plaintextHex.length);
    // The same payload encrypted here decrypts with the vector's key (fresh IV, so other bytes).
    const [again] = await codec(v.codecKeys).encode([vectorPayload(v.plain)]);
    expect(again!.metadata).toEqual(vectorPayload(v.encrypted).metadata);
    expect(again!.data!.length).toBe(data.length);
    // One flipped ciphertext bit fails authentication.
    data[20]! ^= 1;
    const altered = { ...vectorPayload(v.encrypted), data };
    await expect(codec(v.codecKeys).decode([altered])).rejects.toThrow(PayloadDecryptionFailed);
  });

  it('passes payloads without the encryption metadata through unchanged (history from before the codec)', async () => {
    const plain = json({ referenceNo: 'pass-1' });
    expect(await codec(oldKeys).decode([plain])).toEqual([plain]);
  });

  it('rotates: a new key in front encrypts, the old one still decrypts what it encrypted', async () => {
    const [before] = await codec(oldKeys).encode([json('journey started last week')]);
    const rotated = codec(`${generateKeyList(['new'])},${oldKeys}`);
    const [after] = await rotated.encode([json('journey started today')]);
    expect(Buffer.from(after!.metadata![METADATA_KEY_ID]!).toString()).toBe('new');
    expect((await rotated.decode([before!, after!])).map(text)).toEqual([
      JSON.stringify('journey started last week'),
      JSON.stringify('journey started today'),
    ]);
  });

  it('throws PayloadDecryptionFailed for an unknown key id and for a failed tag', async () => {
    const [encrypted] = await codec(oldKeys).encode([json('x')]);
    const unknown = await codec(generateKeyList(['other']))
      .decode([encrypted!])
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(PayloadDecryptionFailed);
    expect((unknown as Error).message).toMatch(/codec key id "old", which IDWISE_CODEC_KEYS does not hold/);
    const impostor = await codec(generateKeyList(['old']))
      .decode([encrypted!])
      .catch((e: unknown) => e);
    expect(impostor).toBeInstanceOf(PayloadDecryptionFailed);
    expect((impostor as Error).message).toMatch(/failed authentication/);
    const tampered = { ...encrypted!, data: Buffer.from(encrypted!.data!).fill(1, 20, 21) };
    await expect(codec(oldKeys).decode([tampered])).rejects.toBeInstanceOf(PayloadDecryptionFailed);
    // The SDK uses the error class's name as the failure type of an activity whose input cannot be decoded.
    expect((unknown as Error).constructor.name).toBe('PayloadDecryptionFailed');
  });
});

describe('data converter', () => {
  it('is created once per key list and encodes failures (encodeCommonAttributes)', () => {
    const env = { IDWISE_CODEC_KEYS: generateKeyList(['m']) };
    expect(getDataConverter(env)).toBe(getDataConverter({ ...env }));
    const converter = createDataConverter(loadCodecKeys(env));
    expect(converter.payloadCodecs).toHaveLength(1);
    expect(converter.failureConverterPath).toMatch(/codec\/failure-converter\.cjs$/);
    expect(() => getDataConverter({})).toThrow(/IDWISE_CODEC_KEYS is not set/);
  });
});
