import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { z } from 'zod';
import type { S3Location, S3Settings } from '../storage/s3.js';

// Where images (and the batch files that name them) may come from: IDWISE_IMAGE_ROOTS, absolute folders,
// and IDWISE_IMAGE_HOSTS, host names (optionally host:port). Nothing else is read or fetched. Refusals
// say only "not under an allowed image root" or "host not allowed": never whether a file exists, its
// size or its path, so the worker cannot be used to probe the machine or the network it runs in.

export const ROOT_REFUSED = 'not under an allowed image root';
export const HOST_REFUSED = 'host not allowed';
export const BUCKET_REFUSED = 'bucket not allowed';

export interface AllowedHost {
  /** Lower case; IPv6 without brackets. */
  host: string;
  /** 443 when the entry has no port: https on its default port. */
  port: number;
  /** Loopback entries (the sandbox): plain http allowed, and so are loopback/private addresses. */
  local: boolean;
  /** An IP literal or `localhost`: its address was chosen explicitly, so private ranges are allowed. */
  literal: boolean;
}

export interface ImageSources {
  /** Real paths (symlinks resolved) of the allowed folders. */
  roots: readonly string[];
  hosts: readonly AllowedHost[];
  /** IDWISE_IMAGE_BUCKETS: `s3://` objects are read only under these; none when absent. */
  buckets?: readonly AllowedBucket[];
  /** How the object store is reached (IDWISE_S3_*); AWS's defaults when absent. */
  s3?: S3Settings;
  /** IDWISE_ALLOW_HARD_LINKS=on: files with several hard links are read (refused by default, see safe-file.ts). */
  allowHardLinks?: boolean;
}

export interface AllowedBucket {
  bucket: string;
  /** '' for the whole bucket, else a key prefix ending in '/'. */
  prefix: string;
}

/** No roots and no hosts: what a client gets when neither variable is set. Everything is refused. */
export const NO_IMAGE_SOURCES: ImageSources = Object.freeze({ roots: [], hosts: [] });

export const IMAGE_SOURCES_HELP =
  'set IDWISE_IMAGE_ROOTS to the folders images, manifests and mapping files are read from ' +
  '(e.g. IDWISE_IMAGE_ROOTS=/srv/idwise/images) and/or IDWISE_IMAGE_HOSTS to the hosts images are fetched ' +
  'from (e.g. IDWISE_IMAGE_HOSTS=images.example.com,127.0.0.1:8787) and/or IDWISE_IMAGE_BUCKETS to the S3 buckets ' +
  '(bucket or bucket/prefix) images are read from';

const list = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export const ImageRootsSchema = z.string().transform((raw, ctx) => {
  const roots: string[] = [];
  for (const entry of list(raw)) {
    if (!isAbsolute(entry)) {
      ctx.addIssue({ code: 'custom', message: `entry "${entry}" must be an absolute folder, e.g. /srv/idwise/images` });
      continue;
    }
    let real: string;
    try {
      real = realpathSync(resolve(entry));
      if (!statSync(real).isDirectory()) throw new Error('not a folder');
    } catch {
      ctx.addIssue({ code: 'custom', message: `entry "${entry}" is not an existing folder` });
      continue;
    }
    if (real === sep) {
      ctx.addIssue({
        code: 'custom',
        message: `entry "${entry}" is the whole file system: name the folder images are kept in, e.g. /srv/idwise/images`,
      });
      continue;
    }
    roots.push(real);
  }
  return roots;
});

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1)$/;
const IP_LITERAL = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)$/;

export function parseHostEntry(entry: string): AllowedHost | null {
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::(\d{1,5}))?$/i.exec(entry);
  if (!m) return null;
  const host = (m[1] ?? m[2]!).toLowerCase();
  const port = m[3] === undefined ? 443 : Number(m[3]);
  if (port < 1 || port > 65535) return null;
  const local = LOOPBACK.test(host) && m[3] !== undefined;
  return { host, port, local, literal: LOOPBACK.test(host) || IP_LITERAL.test(host) };
}

export const ImageHostsSchema = z.string().transform((raw, ctx) => {
  const hosts: AllowedHost[] = [];
  for (const entry of list(raw)) {
    const parsed = parseHostEntry(entry);
    if (parsed) hosts.push(parsed);
    else
      ctx.addIssue({
        code: 'custom',
        message: `entry "${entry}" must be a host name or host:port (no scheme or path), e.g. images.example.com or 127.0.0.1:8787`,
      });
  }
  return hosts;
});

export const ImageBucketsSchema = z.string().transform((raw, ctx) => {
  const buckets: AllowedBucket[] = [];
  for (const entry of list(raw)) {
    const m = /^(?:s3:\/\/)?([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(entry);
    const prefix = (m?.[2] ?? '').replace(/\/*$/, '');
    if (!m || prefix.split('/').some((part) => part === '..' || part === '.') || /\/\//.test(prefix)) {
      ctx.addIssue({
        code: 'custom',
        message: `entry "${entry}" must be a bucket name or bucket/prefix, e.g. applicant-photos or applicant-photos/idwise`,
      });
      continue;
    }
    buckets.push({ bucket: m[1]!, prefix: prefix ? `${prefix}/` : '' });
  }
  return buckets;
});

/** Whether an object lies in an allowed bucket and under its prefix (`..` segments never match). */
export function isUnderBucket(loc: S3Location, buckets: readonly AllowedBucket[] = []): boolean {
  if (loc.key.split('/').some((part) => part === '..' || part === '.')) return false;
  return buckets.some((b) => b.bucket === loc.bucket && loc.key.startsWith(b.prefix));
}

/** Whether a real (symlink-free) path lies inside one of the roots. */
export function isUnderRoot(realPath: string, roots: readonly string[]): boolean {
  return roots.some((root) => realPath === root || realPath.startsWith(root.endsWith(sep) ? root : root + sep));
}

/** The allowed-host entry a URL matches, or null. */
export function allowedHostFor(url: URL, sources: ImageSources): AllowedHost | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const port = url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443;
  const entry = sources.hosts.find((h) => h.host === host && h.port === port);
  if (!entry) return null;
  if (url.protocol === 'https:') return entry;
  return url.protocol === 'http:' && entry.local ? entry : null;
}
