import { Agent as HttpAgent, type IncomingMessage, type OutgoingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type LookupFunction, isIP } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BackupTarget,
  type StoredObject,
  type TargetCheck,
  type UploadResult,
  abandonBody,
  checkKey,
  checkStoredCopy,
  hashStream,
  writeProbe,
} from './backup-target';
import { EMPTY_PAYLOAD_SHA256, sha256Hex, signRequest } from './s3-signer';
import { TargetError } from './target-error';

export interface S3TargetConfig {
  /** http:// or https://, without the bucket; a path in it is kept in front of every request's path. */
  endpoint: string;
  region: string;
  bucket: string;
  /** Keys are written below this prefix ('' for the bucket's root); a '/' is added where it lacks one. */
  prefix: string;
  accessKeyId: string;
  /** Bucket in the path (endpoint/bucket/key) rather than in the host name (bucket.endpoint/key). */
  pathStyle: boolean;
}

export interface S3TargetSecrets {
  secretAccessKey: string;
}

export interface S3TargetOptions {
  /** Bytes buffered and sent per UploadPart; at least S3's minimum of 5 MiB for all parts but the last. */
  partSize?: number;
  /** A request that makes no progress (nothing sent, nothing received) for this long is given up. */
  timeoutMs?: number;
  /** Waits before the second, third... attempt of a part that failed with a network error or a 5xx. */
  retryDelaysMs?: readonly number[];
  /** max-keys of ListObjectsV2. */
  listPageSize?: number;
  /** For tests: resolves the host names (a virtual-hosted bucket's too) instead of DNS. */
  lookup?: LookupFunction;
}

export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** 10,000 parts of this are ~156 GiB, the largest object put() can store. */
const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
const MAX_PARTS = 10_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY_DELAYS_MS = [1_000, 4_000];
/** Error documents and listings are small; anything larger is not what S3 sends. */
const MAX_XML_BYTES = 16 * 1024 * 1024;

type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

interface S3Request {
  method: Method;
  /** The full object key (prefix included); left out for a request on the bucket. */
  objectKey?: string;
  query?: [string, string][];
  /** Signed along with the x-amz-* headers. */
  headers?: Record<string, string>;
  body?: Buffer;
}

/** A response and whether its request gave up waiting, which a later error of the body stream needs to know. */
interface Exchange {
  response: IncomingMessage;
  timedOut: () => boolean;
}

interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

/** Errors worth another attempt of an idempotent request: the network, or the server's 5xx. */
const transient = new WeakSet<TargetError>();

/**
 * A bucket (or a prefix in one) on Amazon S3 or an S3-compatible server (MinIO, Garage, Ceph RGW,
 * Backblaze B2, Wasabi, Cloudflare R2...), over HTTP(S) with Signature Version 4. Requests go to
 * the configured endpoint and nowhere else: redirects are reported, not followed.
 */
export class S3Target implements BackupTarget {
  private readonly endpoint: URL;
  /** The endpoint's own path, decoded, without a trailing '/'. */
  private readonly basePath: string;
  private readonly prefix: string;
  private readonly where: string;
  private readonly agent: HttpAgent;
  private readonly partSize: number;
  private readonly timeoutMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly listPageSize: number;

  constructor(
    private readonly config: S3TargetConfig,
    private readonly secrets: S3TargetSecrets,
    private readonly options: S3TargetOptions = {},
  ) {
    let endpoint: URL;
    try {
      endpoint = new URL(config.endpoint);
    } catch {
      throw new TargetError('backup_target/failed', `The S3 endpoint ${JSON.stringify(config.endpoint.slice(0, 200))} is not a URL`);
    }
    if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
      throw new TargetError('backup_target/failed', `The S3 endpoint must be an http:// or https:// URL, not ${endpoint.protocol}`);
    }
    if (endpoint.username || endpoint.password || endpoint.search || endpoint.hash) {
      // Credentials in the URL would end up in messages and logs.
      throw new TargetError('backup_target/failed', 'The S3 endpoint must not contain a user name, password, query or fragment');
    }
    if (!config.pathStyle && (isIP(endpoint.hostname.replace(/^\[(.*)\]$/, '$1')) || !endpoint.hostname.includes('.'))) {
      throw new TargetError('backup_target/failed', `Virtual-hosted style needs a domain name in the S3 endpoint, not ${endpoint.hostname}; use path style`);
    }
    this.endpoint = endpoint;
    try {
      this.basePath = decodeURIComponent(endpoint.pathname).replace(/\/+$/, '');
    } catch {
      throw new TargetError('backup_target/failed', 'The path of the S3 endpoint is not valid percent-encoding');
    }
    const prefix = config.prefix.replace(/^\/+/, '');
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.where = `bucket ${config.bucket} at ${endpoint.host}`;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (!Number.isInteger(this.partSize) || this.partSize < MIN_PART_SIZE) throw new RangeError(`The part size must be an integer of at least ${MIN_PART_SIZE} bytes`);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.listPageSize = options.listPageSize ?? 1000;
    this.agent = endpoint.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  async test(): Promise<TargetCheck> {
    await writeProbe(this);
    return { detail: `Wrote, read back and deleted a test object in ${this.location()}; S3 does not report free space` };
  }

  /**
   * A multipart upload: CreateMultipartUpload, then the body in parts of partSize, each sent with
   * its sha256 as x-amz-content-sha256 (so the server refuses a part that arrives other than sent)
   * and retried after a network error or a 5xx, then CompleteMultipartUpload once every part is in
   * and their sizes add up to what the body yielded.
   *
   * The object appears only at Complete, atomically replacing an existing one; that takes the
   * place of the other targets' temporary name and rename. The read-back check therefore comes
   * after Complete: the stored object is read back in full and hashed, and if size or sha256
   * differ it is deleted and put() fails. The costs of that choice: the object's bytes travel
   * twice (a backup is read back once anyway before it is trusted), and a mismatching replacement
   * leaves the key with neither version, where the other targets would keep the old file. (The
   * read-back also makes a HEAD for Content-Length pointless: it counts every byte.)
   *
   * Not done: a whole-object sha256 as x-amz-meta-sha256. Metadata is fixed at
   * CreateMultipartUpload, before the hash is known, and setting it afterwards means a
   * server-side copy of the whole object. S3's additional checksums (x-amz-checksum-sha256) are
   * not used either: for multipart they yield a checksum of part checksums, not the object's
   * sha256, and not every S3-compatible server has them; the per-part x-amz-content-sha256
   * already makes the server check every byte it receives.
   *
   * On any failure the upload is aborted (best effort) so its parts stop taking space. An upload
   * interrupted by a crash stays pending, invisible but billed, until the bucket's lifecycle rule
   * (AbortIncompleteMultipartUpload) removes it.
   */
  async put(key: string, body: NodeJS.ReadableStream | Readable): Promise<UploadResult> {
    checkKey(key);
    const objectKey = this.prefix + key;
    let uploadId: string | undefined;
    let completed = false;
    try {
      uploadId = await this.createMultipartUpload(objectKey);
      const id = uploadId;
      const parts: UploadedPart[] = [];
      const sendPart = async (data: Buffer) => {
        if (parts.length >= MAX_PARTS) {
          throw new TargetError('backup_target/failed', `${objectKey} is too large for ${MAX_PARTS} parts of ${this.partSize} bytes, the most an S3 upload can have`);
        }
        parts.push(await this.uploadPart(objectKey, id, parts.length + 1, data));
      };
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const sent = await hashStream(body, async (chunk) => {
        pending.push(chunk);
        pendingBytes += chunk.length;
        while (pendingBytes >= this.partSize) {
          // Exactly partSize per part: some servers (R2) insist that all but the last are equal.
          const all = Buffer.concat(pending, pendingBytes);
          await sendPart(all.subarray(0, this.partSize));
          const rest = all.subarray(this.partSize);
          pending = rest.length > 0 ? [rest] : [];
          pendingBytes = rest.length;
        }
      });
      // The last part, or the only one (possibly empty) of a small object.
      if (pendingBytes > 0 || parts.length === 0) await sendPart(Buffer.concat(pending, pendingBytes));
      const partBytes = parts.reduce((total, part) => total + part.size, 0);
      if (partBytes !== sent.size) {
        throw new TargetError('backup_target/failed', `The parts of ${objectKey} hold ${partBytes} bytes, but ${sent.size} were read from the body`);
      }
      await this.completeMultipartUpload(objectKey, id, parts);
      completed = true;
      checkStoredCopy(`${objectKey} in ${this.where}`, sent, await this.readBack(objectKey));
      return sent;
    } catch (error) {
      abandonBody(body);
      // A Complete that failed on the network may still have happened; then the abort finds no
      // upload and the unverified object stays (deleting it could delete an older good version).
      if (completed) await this.deleteObject(objectKey).catch(() => undefined);
      else if (uploadId !== undefined) await this.abortMultipartUpload(objectKey, uploadId).catch(() => undefined);
      throw error;
    }
  }

  async stat(key: string): Promise<StoredObject | null> {
    checkKey(key);
    const objectKey = this.prefix + key;
    const { response } = await this.send({ method: 'HEAD', objectKey }, 'look at', objectKey);
    response.resume();
    if (response.statusCode === 404) return null;
    if (response.statusCode !== 200) throw await this.responseError(response, 'look at', objectKey);
    const size = Number(response.headers['content-length']);
    if (!Number.isSafeInteger(size) || size < 0) throw new TargetError('backup_target/failed', `${this.where} gave no size for ${objectKey}`);
    const lastModified = response.headers['last-modified'];
    return { key, size, modifiedAt: lastModified ? parseDate(lastModified) : null };
  }

  async read(key: string): Promise<Readable> {
    checkKey(key);
    return this.readObject(this.prefix + key);
  }

  async list(prefix: string): Promise<StoredObject[]> {
    if (prefix !== '') checkKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
    const found: StoredObject[] = [];
    let token: string | undefined;
    do {
      const query: [string, string][] = [
        ['list-type', '2'],
        ['prefix', this.prefix + prefix],
        ['max-keys', String(this.listPageSize)],
      ];
      if (token !== undefined) query.push(['continuation-token', token]);
      const xml = await this.xmlRequest({ method: 'GET', query }, 'list', `${this.prefix + prefix}*`);
      if (!/<ListBucketResult[\s>]/.test(xml)) throw new TargetError('backup_target/failed', `${this.where} answered the listing with something other than a ListBucketResult`);
      for (const entry of xmlElements(xml, 'Contents')) {
        const objectKey = xmlValue(entry, 'Key');
        const size = Number(xmlValue(entry, 'Size'));
        const lastModified = xmlValue(entry, 'LastModified');
        if (objectKey === undefined || !Number.isSafeInteger(size)) {
          throw new TargetError('backup_target/failed', `${this.where} listed an object without a key or size`);
        }
        const key = objectKey.slice(this.prefix.length);
        // Folder markers ("a/") and keys Hearth could not have written are no objects of ours.
        if (!objectKey.startsWith(this.prefix) || !isValidKey(key)) continue;
        found.push({ key, size, modifiedAt: lastModified ? parseDate(lastModified) : null });
      }
      const truncated = xmlValue(xml, 'IsTruncated') === 'true';
      token = truncated ? xmlValue(xml, 'NextContinuationToken') : undefined;
      if (truncated && !token) throw new TargetError('backup_target/failed', `${this.where} cut the listing short without a continuation token`);
    } while (token !== undefined);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.deleteObject(this.prefix + key);
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private location(): string {
    return this.prefix === '' ? this.where : `${this.prefix} in ${this.where}`;
  }

  private async createMultipartUpload(objectKey: string): Promise<string> {
    const xml = await this.xmlRequest(
      { method: 'POST', objectKey, query: [['uploads', '']], headers: { 'content-type': 'application/octet-stream' } },
      'start uploading',
      objectKey,
    );
    const uploadId = xmlValue(xml, 'UploadId');
    if (!uploadId) throw new TargetError('backup_target/failed', `${this.where} started no upload of ${objectKey} (no UploadId in its answer)`);
    return uploadId;
  }

  private async uploadPart(objectKey: string, uploadId: string, partNumber: number, data: Buffer): Promise<UploadedPart> {
    const action = `upload part ${partNumber} of`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { response } = await this.send(
          { method: 'PUT', objectKey, query: [['partNumber', String(partNumber)], ['uploadId', uploadId]], body: data },
          action,
          objectKey,
        );
        if (response.statusCode !== 200) throw await this.responseError(response, action, objectKey);
        response.resume();
        const etag = response.headers.etag;
        if (!etag) throw new TargetError('backup_target/failed', `${this.where} gave no ETag for part ${partNumber} of ${objectKey}`);
        return { partNumber, etag, size: data.length };
      } catch (error) {
        const delay = this.retryDelaysMs[attempt];
        if (delay === undefined || !(error instanceof TargetError && transient.has(error))) throw error;
        await sleep(delay);
      }
    }
  }

  private async completeMultipartUpload(objectKey: string, uploadId: string, parts: UploadedPart[]): Promise<void> {
    const body = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        parts.map((part) => `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${escapeXml(part.etag)}</ETag></Part>`).join('') +
        '</CompleteMultipartUpload>',
    );
    const action = 'complete the upload of';
    const xml = await this.xmlRequest({ method: 'POST', objectKey, query: [['uploadId', uploadId]], headers: { 'content-type': 'application/xml' }, body }, action, objectKey);
    // S3 answers 200 at once and only then assembles the object; a failure meanwhile arrives as an
    // <Error> document in that 200 response, which the API reference tells clients to check for.
    if (/<Error[\s>]/.test(xml)) throw this.s3Error(200, xmlValue(xml, 'Code'), xmlValue(xml, 'Message'), action, objectKey);
    if (!/<CompleteMultipartUploadResult[\s>]/.test(xml)) {
      throw new TargetError('backup_target/failed', `${this.where} did not confirm the completed upload of ${objectKey}`);
    }
  }

  private async abortMultipartUpload(objectKey: string, uploadId: string): Promise<void> {
    const action = 'abort the upload of';
    const { response } = await this.send({ method: 'DELETE', objectKey, query: [['uploadId', uploadId]] }, action, objectKey);
    if (response.statusCode === 204 || response.statusCode === 200) return void response.resume();
    const { code, message } = await readError(response);
    if (code !== 'NoSuchUpload') throw this.s3Error(response.statusCode ?? 0, code, message, action, objectKey);
  }

  private async deleteObject(objectKey: string): Promise<void> {
    const { response } = await this.send({ method: 'DELETE', objectKey }, 'delete', objectKey);
    if (response.statusCode === 204 || response.statusCode === 200) return void response.resume();
    // S3 answers 204 for a missing key; some compatible servers 404 NoSuchKey. A missing bucket is an error.
    const { code, message } = await readError(response);
    if (response.statusCode !== 404 || code === 'NoSuchBucket') throw this.s3Error(response.statusCode ?? 0, code, message, 'delete', objectKey);
  }

  private async readBack(objectKey: string): Promise<UploadResult> {
    return hashStream(await this.readObject(objectKey));
  }

  /** GetObject; the body streams, and fails with a TargetError when the connection breaks or stalls. */
  private async readObject(objectKey: string): Promise<Readable> {
    const { response, timedOut } = await this.send({ method: 'GET', objectKey }, 'read', objectKey);
    if (response.statusCode !== 200) {
      const { code, message } = await readError(response);
      if (response.statusCode === 404 && code !== 'NoSuchBucket') throw new TargetError('backup_target/failed', `There is no backup object ${objectKey} in ${this.where}`);
      throw this.s3Error(response.statusCode ?? 0, code, message, 'read', objectKey);
    }
    const expected = Number(response.headers['content-length']);
    const chunks = async function* (this: S3Target): AsyncGenerator<Buffer> {
      let received = 0;
      try {
        for await (const chunk of response as AsyncIterable<Buffer>) {
          received += chunk.length;
          yield chunk;
        }
      } catch (error) {
        throw this.networkError(error, timedOut(), 'read', objectKey);
      }
      if (Number.isSafeInteger(expected) && received !== expected) {
        throw new TargetError('backup_target/unreachable', `The connection to ${this.where} broke while reading ${objectKey} (${received} of ${expected} bytes arrived)`);
      }
    };
    return Readable.from(chunks.call(this), { objectMode: false });
  }

  /** A request whose answer is an XML document: the document, or the error the response stands for. */
  private async xmlRequest(request: S3Request, action: string, what: string): Promise<string> {
    const { response, timedOut } = await this.send(request, action, what);
    if (response.statusCode !== 200) throw await this.responseError(response, action, what);
    try {
      return await readText(response, MAX_XML_BYTES);
    } catch (error) {
      throw this.networkError(error, timedOut(), action, what);
    }
  }

  /**
   * Signs and sends one request to the endpoint (the bucket's host for virtual-hosted style) and
   * waits for the response's head. A stale kept-alive connection the server had closed is retried
   * once on a new one, as Node's documentation recommends; anything else is a TargetError.
   */
  private async send(request: S3Request, action: string, what: string): Promise<Exchange> {
    const { bucket, pathStyle, region, accessKeyId } = this.config;
    const host = pathStyle ? this.endpoint.host : `${bucket}.${this.endpoint.host}`;
    const hostname = pathStyle ? this.endpoint.hostname : `${bucket}.${this.endpoint.hostname}`;
    const key = request.objectKey;
    const path = `${this.basePath}${pathStyle ? `/${bucket}` : ''}${key === undefined ? (pathStyle ? '' : '/') : `/${key}`}`;
    const body = request.body ?? Buffer.alloc(0);
    for (let attempt = 0; ; attempt += 1) {
      const signed = signRequest(
        { method: request.method, host, path, query: request.query, headers: request.headers, payloadSha256: request.body ? sha256Hex(body) : EMPTY_PAYLOAD_SHA256 },
        { accessKeyId, secretAccessKey: this.secrets.secretAccessKey, region },
      );
      const headers: OutgoingHttpHeaders = { ...signed.headers };
      if (request.method === 'PUT' || request.method === 'POST') headers['content-length'] = String(body.length);
      let timedOut = false;
      let reusedSocket = false;
      try {
        const response = await new Promise<IncomingMessage>((resolve, reject) => {
          const send = this.endpoint.protocol === 'https:' ? httpsRequest : httpRequest;
          let answer: IncomingMessage | undefined;
          const outgoing = send(
            {
              protocol: this.endpoint.protocol,
              // WHATWG URLs keep an IPv6 address in brackets; the socket wants it bare.
              hostname: hostname.replace(/^\[(.*)\]$/, '$1'),
              port: this.endpoint.port || undefined,
              method: request.method,
              path: signed.target,
              headers,
              agent: this.agent,
              timeout: this.timeoutMs,
              ...(this.options.lookup ? { lookup: this.options.lookup } : {}),
            },
            (incoming) => {
              answer = incoming;
              resolve(incoming);
            },
          );
          outgoing.on('socket', () => (reusedSocket = outgoing.reusedSocket));
          outgoing.on('error', reject);
          outgoing.on('timeout', () => {
            // Data waiting in the response means the reader is slow, not the server: keep waiting.
            if (answer && answer.readableLength > 0) {
              outgoing.socket?.setTimeout(this.timeoutMs);
              return;
            }
            timedOut = true;
            outgoing.destroy(new Error(`no progress for ${this.timeoutMs / 1000} s`));
          });
          outgoing.end(body);
        });
        return { response, timedOut: () => timedOut };
      } catch (error) {
        if (attempt === 0 && reusedSocket && !timedOut && (error as NodeJS.ErrnoException).code === 'ECONNRESET') continue;
        throw this.networkError(error, timedOut, action, what);
      }
    }
  }

  private networkError(error: unknown, timedOut: boolean, action: string, what: string): TargetError {
    if (error instanceof TargetError) return error;
    const { code, message } = error as NodeJS.ErrnoException;
    let result: TargetError;
    if (timedOut) {
      result = new TargetError('backup_target/unreachable', `${this.where} made no progress for ${this.timeoutMs / 1000} s while Hearth tried to ${action} ${what}`);
    } else if (code !== undefined && /^(CERT_|ERR_TLS_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_)/.test(code)) {
      return new TargetError('backup_target/failed', `The TLS certificate of ${this.endpoint.host} is not trusted (${message})`);
    } else {
      result = new TargetError('backup_target/unreachable', `Could not reach ${this.where} to ${action} ${what}: ${message}`);
    }
    transient.add(result);
    return result;
  }

  /** The error an unsuccessful response stands for. */
  private async responseError(response: IncomingMessage, action: string, what: string): Promise<TargetError> {
    const { code, message } = await readError(response);
    return this.s3Error(response.statusCode ?? 0, code, message, action, what);
  }

  private s3Error(status: number, code: string | undefined, message: string | undefined, action: string, what: string): TargetError {
    const detail = `${code ?? `HTTP ${status}`}${message ? `: ${message.trim().slice(0, 300)}` : ''}`;
    const { accessKeyId } = this.config;
    let error: TargetError;
    if (code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch') {
      error = new TargetError('backup_target/auth_failed', `${this.where} rejected the access key ${accessKeyId} or its secret (${detail})`);
    } else if (status === 507 || (code !== undefined && NO_SPACE_CODES.has(code))) {
      error = new TargetError('backup_target/no_space', `No space left to ${action} ${what} in ${this.where} (${detail})`);
    } else if (code === 'AccessDenied' || code === 'AllAccessDisabled' || (status === 403 && code === undefined)) {
      error = new TargetError('backup_target/permission_denied', `${this.where} does not allow the access key ${accessKeyId} to ${action} ${what} (${detail}); check its policy`);
    } else if ((status === 502 || status === 503 || status === 504) && code === undefined) {
      // A proxy in front of the storage that could not reach it.
      error = new TargetError('backup_target/unreachable', `${this.where} is not available (HTTP ${status}) to ${action} ${what}`);
    } else {
      error = new TargetError('backup_target/failed', `Could not ${action} ${what} in ${this.where}: ${detail}`);
    }
    if (status >= 500 || code === 'InternalError' || code === 'SlowDown' || code === 'ServiceUnavailable' || code === 'RequestTimeout') transient.add(error);
    return error;
  }
}

/** Ceph RGW answers a full user or bucket quota with QuotaExceeded (403), MinIO with these (507, 400). */
const NO_SPACE_CODES = new Set(['EntityTooLarge', 'QuotaExceeded', 'XMinioStorageFull', 'XMinioAdminBucketQuotaExceeded']);

/** Code and message of an unsuccessful response's S3 <Error> document (HEAD responses have none). */
async function readError(response: IncomingMessage): Promise<{ code?: string; message?: string }> {
  const text = await readText(response, 64 * 1024).catch(() => '');
  const headerCode = response.headers['x-amz-error-code'];
  const code = xmlValue(text, 'Code') ?? (typeof headerCode === 'string' ? headerCode : undefined);
  let message = xmlValue(text, 'Message');
  // A PermanentRedirect names the endpoint to use instead; it is reported, never followed.
  const endpoint = xmlValue(text, 'Endpoint');
  if (endpoint) message = `${message ?? ''} (endpoint ${endpoint})`;
  return { code, message };
}

function isValidKey(key: string): boolean {
  try {
    checkKey(key);
    return true;
  } catch {
    return false;
  }
}

function parseDate(text: string): Date | null {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : date;
}

async function readText(stream: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      stream.destroy();
      throw new TargetError('backup_target/failed', `The answer was larger than the ${limit} bytes expected`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The contents of every `<name>` element (attributes allowed; `<name/>` is ''), undecoded. */
export function xmlElements(xml: string, name: string): string[] {
  const pattern = new RegExp(`<${name}(?:\\s[^>]*?)?(?:/>|>([\\s\\S]*?)</${name}\\s*>)`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1] ?? '');
}

/** The decoded text of the first `<name>` element. */
export function xmlValue(xml: string, name: string): string | undefined {
  const [first] = xmlElements(xml, name);
  return first === undefined ? undefined : decodeXml(first);
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML's five named entities, character references and CDATA sections, in one pass (so `&amp;lt;` stays `&lt;`). */
export function decodeXml(text: string): string {
  return text.replace(/<!\[CDATA\[([\s\S]*?)\]\]>|&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, cdata: string | undefined, entity: string | undefined) => {
    if (cdata !== undefined) return cdata;
    if (entity!.startsWith('#x')) return String.fromCodePoint(parseInt(entity!.slice(2), 16));
    if (entity!.startsWith('#')) return String.fromCodePoint(parseInt(entity!.slice(1), 10));
    return NAMED_ENTITIES[entity!] ?? whole;
  });
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
