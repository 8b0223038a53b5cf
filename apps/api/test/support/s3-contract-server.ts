/**
 * CONTRACT TEST SUPPORT: an in-process stand-in for an S3-compatible server.
 *
 * No S3-compatible server can run on the test machines (none is packaged in Debian bookworm and
 * there is no network), so this implements the subset of the Amazon S3 REST API the S3 backup
 * target uses, written from AWS's published documentation:
 *
 * - Amazon S3 API Reference: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
 *   AbortMultipartUpload, PutObject, HeadObject, GetObject, DeleteObject, ListObjectsV2, and
 *   "Error responses" (the <Error> document and the codes used here).
 * - "Authenticating Requests (AWS Signature Version 4)" / "Signature Calculations for the
 *   Authorization Header: Transferring Payload in a Single Chunk": every request's signature is
 *   recomputed here, by code of its own (it imports nothing from the target or its signer), and
 *   a signed payload is hashed and compared with x-amz-content-sha256.
 *
 * It only listens on 127.0.0.1, in ports 28400-28499 (this range is the S3 contract tests' own),
 * keeps everything in memory, and can be told to fail requests, stall, or corrupt a completed
 * object so the error paths can be tested. What it does not do (Range, copy, versioning,
 * delimiter listings, chunked/streaming signatures, presigned URLs) it refuses with 501.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { canBind } from '../../src/runtimes/ports';

export const S3_CONTRACT_PORTS = { first: 28400, last: 28499 };

/** S3's documented minimum for every part but the last. */
const DEFAULT_MIN_PART_SIZE = 5 * 1024 * 1024;
/** "the request time and the current time must be within 15 minutes of each other". */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const EMPTY_SHA256 = createHash('sha256').digest('hex');

export type S3Operation =
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'PutObject'
  | 'HeadObject'
  | 'GetObject'
  | 'DeleteObject'
  | 'ListObjectsV2';

const WRITES: ReadonlySet<S3Operation> = new Set(['CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'AbortMultipartUpload', 'PutObject', 'DeleteObject']);

export interface StoredS3Object {
  data: Buffer;
  etag: string;
  lastModified: Date;
  contentType: string;
}

export interface PendingUpload {
  key: string;
  initiated: Date;
  contentType: string;
  parts: Map<number, { data: Buffer; etag: string }>;
}

export interface RecordedRequest {
  method: string;
  /** Undefined when the request was refused before it was recognized. */
  operation?: S3Operation;
  host: string;
  /** The request line's target, as received. */
  url: string;
  /** Every header line as received, names and values. */
  rawHeaders: string[];
  accessKeyId?: string;
  key?: string;
  partNumber?: number;
  payloadSha256?: string;
  bodyBytes: number;
  status: number;
  code?: string;
}

export interface FailureRule {
  operation: S3Operation;
  /** UploadPart only: just this part. */
  partNumber?: number;
  status: number;
  code: string;
  message?: string;
  /** How many matching requests fail; unset, every one. */
  times?: number;
  /** CompleteMultipartUpload: answer 200 OK with the <Error> document as its body, as S3 may. */
  inBody?: boolean;
}

export interface S3ContractServerOptions {
  bucket?: string;
  region?: string;
  minPartSize?: number;
}

export interface S3ContractServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  port: number;
  /** A port of the range on which nothing listens. */
  closedPort: number;
  bucket: string;
  region: string;
  /** May do everything. */
  accessKeyId: string;
  secretAccessKey: string;
  /** May only read and list (AccessDenied for writes). */
  readOnlyAccessKeyId: string;
  readOnlySecretAccessKey: string;
  /** A host name ending in this (`<bucket>.s3.test`) addresses the bucket virtual-hosted style. */
  virtualHostSuffix: string;
  objects: Map<string, StoredS3Object>;
  uploads: Map<string, PendingUpload>;
  requests: RecordedRequest[];
  fail(rule: FailureRule): void;
  /** The next request of this operation gets no answer at all (until stop()). */
  stall(operation: S3Operation): void;
  /** The next completed multipart object is stored with one byte changed, as a faulty disk would. */
  corruptNextCompletion(): void;
  clearFailures(): void;
  stop(): Promise<void>;
}

class S3Failure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

export async function startS3ContractServer(options: S3ContractServerOptions = {}): Promise<S3ContractServer> {
  const bucket = options.bucket ?? 'hearth-backups';
  const region = options.region ?? 'eu-test-1';
  const minPartSize = options.minPartSize ?? DEFAULT_MIN_PART_SIZE;
  const credentials = new Map<string, { secret: string; readOnly: boolean }>();
  const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(30).toString('base64');
  const readOnlyAccessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const readOnlySecretAccessKey = randomBytes(30).toString('base64');
  credentials.set(accessKeyId, { secret: secretAccessKey, readOnly: false });
  credentials.set(readOnlyAccessKeyId, { secret: readOnlySecretAccessKey, readOnly: true });
  const virtualHostSuffix = 's3.test';

  const objects = new Map<string, StoredS3Object>();
  const uploads = new Map<string, PendingUpload>();
  const requests: RecordedRequest[] = [];
  let failures: FailureRule[] = [];
  const stalls: S3Operation[] = [];
  let corruptNext = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const record: RecordedRequest = { method: req.method ?? '', host: req.headers.host ?? '', url: req.url ?? '', rawHeaders: [...req.rawHeaders], bodyBytes: 0, status: 0 };
    requests.push(record);
    let resource = '';
    try {
      const { rawPath, rawQuery, bucketName, key } = route(req, virtualHostSuffix);
      resource = rawPath;
      record.key = key;
      const query = parseQuery(rawQuery);
      const operation = identify(req.method ?? '', key, query, req.headers);
      record.operation = operation;

      const caller = authenticate(req, rawPath, rawQuery, credentials, region);
      record.accessKeyId = caller.accessKeyId;
      record.payloadSha256 = caller.payloadSha256;
      if (caller.readOnly && WRITES.has(operation)) throw new S3Failure(403, 'AccessDenied', 'Access Denied');

      const body = await readBody(req, caller.payloadSha256);
      record.bodyBytes = body.length;
      if (bucketName !== bucket) throw new S3Failure(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucketName });

      const partNumber = query.has('partNumber') ? Number(query.get('partNumber')) : undefined;
      record.partNumber = partNumber;
      const stallAt = stalls.indexOf(operation);
      if (stallAt >= 0) {
        stalls.splice(stallAt, 1);
        // Never answered: the client has to notice by itself.
        return;
      }
      const rule = failures.find((each) => each.operation === operation && (each.partNumber === undefined || each.partNumber === partNumber));
      if (rule) {
        if (rule.times !== undefined && --rule.times <= 0) failures = failures.filter((each) => each !== rule);
        const failure = new S3Failure(rule.status, rule.code, rule.message ?? `${rule.code} (injected by the test)`);
        if (rule.inBody) {
          record.status = 200;
          record.code = rule.code;
          return sendXml(res, 200, errorDocument(failure, rawPath));
        }
        throw failure;
      }

      switch (operation) {
        case 'CreateMultipartUpload': {
          const uploadId = randomBytes(24).toString('base64url');
          uploads.set(uploadId, { key: key!, initiated: new Date(), contentType: header(req, 'content-type') ?? 'binary/octet-stream', parts: new Map() });
          record.status = 200;
          return sendXml(res, 200, xmlDocument('InitiateMultipartUploadResult', { Bucket: bucket, Key: key!, UploadId: uploadId }));
        }
        case 'UploadPart': {
          if (partNumber === undefined || !Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
            throw new S3Failure(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
          }
          const upload = findUpload(query.get('uploadId'), key!);
          const etag = `"${md5(body).toString('hex')}"`;
          upload.parts.set(partNumber, { data: body, etag });
          record.status = 200;
          res.writeHead(200, { ETag: etag, 'Content-Length': '0' }).end();
          return;
        }
        case 'CompleteMultipartUpload': {
          const uploadId = query.get('uploadId')!;
          const upload = findUpload(uploadId, key!);
          const listed = parseCompleteRequest(body.toString('utf8'));
          const chosen: Buffer[] = [];
          for (const [index, { partNumber: number, etag }] of listed.entries()) {
            if (index > 0 && number <= listed[index - 1]!.partNumber) throw new S3Failure(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
            const part = upload.parts.get(number);
            if (!part || unquote(part.etag) !== unquote(etag)) {
              throw new S3Failure(400, 'InvalidPart', "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
            }
            if (index < listed.length - 1 && part.data.length < minPartSize) {
              throw new S3Failure(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
            }
            chosen.push(part.data);
          }
          const data = Buffer.concat(chosen);
          if (corruptNext && data.length > 0) {
            corruptNext = false;
            data[data.length >> 1] ^= 0xff;
          }
          const etag = `"${md5(Buffer.concat(listed.map(({ partNumber: number }) => md5(upload.parts.get(number)!.data)))).toString('hex')}-${listed.length}"`;
          objects.set(key!, { data, etag, lastModified: new Date(), contentType: upload.contentType });
          uploads.delete(uploadId);
          record.status = 200;
          return sendXml(res, 200, xmlDocument('CompleteMultipartUploadResult', { Location: `http://${req.headers.host}${rawPath}`, Bucket: bucket, Key: key!, ETag: etag }));
        }
        case 'AbortMultipartUpload': {
          const uploadId = query.get('uploadId')!;
          findUpload(uploadId, key!);
          uploads.delete(uploadId);
          record.status = 204;
          res.writeHead(204).end();
          return;
        }
        case 'PutObject': {
          const etag = `"${md5(body).toString('hex')}"`;
          objects.set(key!, { data: body, etag, lastModified: new Date(), contentType: header(req, 'content-type') ?? 'binary/octet-stream' });
          record.status = 200;
          res.writeHead(200, { ETag: etag, 'Content-Length': '0' }).end();
          return;
        }
        case 'HeadObject':
        case 'GetObject': {
          const object = objects.get(key!);
          if (!object) throw new S3Failure(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key! });
          record.status = 200;
          res.writeHead(200, {
            'Content-Length': String(object.data.length),
            'Content-Type': object.contentType,
            ETag: object.etag,
            'Last-Modified': object.lastModified.toUTCString(),
            'Accept-Ranges': 'bytes',
          });
          res.end(operation === 'GetObject' ? object.data : undefined);
          return;
        }
        case 'DeleteObject': {
          // 204 whether or not the key existed.
          objects.delete(key!);
          record.status = 204;
          res.writeHead(204).end();
          return;
        }
        case 'ListObjectsV2': {
          record.status = 200;
          return sendXml(res, 200, listObjectsV2(bucket, objects, query));
        }
      }
    } catch (error) {
      const failure = error instanceof S3Failure ? error : new S3Failure(500, 'InternalError', `We encountered an internal error. Please try again. (${String(error)})`);
      record.status = failure.status;
      record.code = failure.code;
      if (req.method === 'HEAD') {
        res.writeHead(failure.status, { 'Content-Length': '0' }).end();
      } else {
        sendXml(res, failure.status, errorDocument(failure, resource));
      }
      // The rest of a body the answer came before is read and dropped, so the client can finish sending.
      if (!req.complete) req.resume();
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  const port = await listenInRange(server);
  let closedPort = 0;
  for (let candidate = S3_CONTRACT_PORTS.last; candidate >= S3_CONTRACT_PORTS.first; candidate -= 1) {
    if (candidate !== port && (await canBind('127.0.0.1', candidate))) {
      closedPort = candidate;
      break;
    }
  }

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    closedPort,
    bucket,
    region,
    accessKeyId,
    secretAccessKey,
    readOnlyAccessKeyId,
    readOnlySecretAccessKey,
    virtualHostSuffix,
    objects,
    uploads,
    requests,
    fail: (rule) => failures.push({ ...rule }),
    stall: (operation) => stalls.push(operation),
    corruptNextCompletion: () => (corruptNext = true),
    clearFailures: () => {
      failures = [];
      stalls.length = 0;
      corruptNext = false;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  function findUpload(uploadId: string | undefined, key: string): PendingUpload {
    const upload = uploadId === undefined ? undefined : uploads.get(uploadId);
    if (!upload || upload.key !== key) {
      throw new S3Failure(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', {
        UploadId: uploadId ?? '',
      });
    }
    return upload;
  }
}

async function listenInRange(server: Server): Promise<number> {
  for (let port = S3_CONTRACT_PORTS.first; port <= S3_CONTRACT_PORTS.last; port += 1) {
    const listening = await new Promise<boolean>((resolve) => {
      const onError = () => resolve(false);
      server.once('error', onError);
      server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
        server.off('error', onError);
        resolve(true);
      });
    });
    if (listening) return port;
  }
  throw new Error(`No free port in ${S3_CONTRACT_PORTS.first}-${S3_CONTRACT_PORTS.last} for the S3 contract server`);
}

/** Bucket and key from the Host header (virtual-hosted style) or from the path (path style). */
function route(req: IncomingMessage, virtualHostSuffix: string): { rawPath: string; rawQuery: string; bucketName: string; key?: string } {
  const target = req.url ?? '/';
  const question = target.indexOf('?');
  const rawPath = question < 0 ? target : target.slice(0, question);
  const rawQuery = question < 0 ? '' : target.slice(question + 1);
  if (!rawPath.startsWith('/')) throw new S3Failure(400, 'InvalidURI', "Couldn't parse the specified URI.");
  let segments: string[];
  try {
    segments = rawPath.slice(1).split('/').map(decodeURIComponent);
  } catch {
    throw new S3Failure(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
  const hostname = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (hostname.endsWith(`.${virtualHostSuffix}`)) {
    const key = segments.join('/');
    return { rawPath, rawQuery, bucketName: hostname.slice(0, -virtualHostSuffix.length - 1), key: key === '' ? undefined : key };
  }
  const [bucketName = '', ...rest] = segments;
  const key = rest.join('/');
  return { rawPath, rawQuery, bucketName, key: key === '' ? undefined : key };
}

/** Names and values decoded; a parameter without '=' has the value ''. */
function parseQuery(rawQuery: string): Map<string, string> {
  const query = new Map<string, string>();
  for (const [name, value] of rawQueryPairs(rawQuery)) query.set(name, value);
  return query;
}

function rawQueryPairs(rawQuery: string): [string, string][] {
  try {
    return rawQuery
      .split('&')
      .filter((pair) => pair !== '')
      .map((pair) => {
        const equals = pair.indexOf('=');
        return equals < 0 ? [decodeURIComponent(pair), ''] : [decodeURIComponent(pair.slice(0, equals)), decodeURIComponent(pair.slice(equals + 1))];
      });
  } catch {
    throw new S3Failure(400, 'InvalidArgument', 'The query string could not be decoded.');
  }
}

function identify(method: string, key: string | undefined, query: Map<string, string>, headers: IncomingMessage['headers']): S3Operation {
  if (key === undefined) {
    if (method === 'GET' && query.get('list-type') === '2') return 'ListObjectsV2';
    throw new S3Failure(501, 'NotImplemented', `This stand-in implements no ${method} on a bucket except ListObjectsV2`);
  }
  if (headers['x-amz-copy-source'] !== undefined) throw new S3Failure(501, 'NotImplemented', 'Copying is not implemented by this stand-in');
  if (query.has('versionId')) throw new S3Failure(501, 'NotImplemented', 'Versioning is not implemented by this stand-in');
  switch (method) {
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (query.has('uploadId')) return 'CompleteMultipartUpload';
      break;
    case 'PUT':
      if (query.has('uploadId') || query.has('partNumber')) return 'UploadPart';
      return 'PutObject';
    case 'DELETE':
      return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'GET':
      if (headers.range !== undefined) throw new S3Failure(501, 'NotImplemented', 'Range requests are not implemented by this stand-in');
      if (query.has('uploadId')) throw new S3Failure(501, 'NotImplemented', 'ListParts is not implemented by this stand-in');
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
  }
  throw new S3Failure(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
}

interface Caller {
  accessKeyId: string;
  readOnly: boolean;
  payloadSha256: string;
}

/** Checks the Authorization header as AWS documents SigV4 for S3 (header-based, payload in a single chunk). */
function authenticate(req: IncomingMessage, rawPath: string, rawQuery: string, credentials: Map<string, { secret: string; readOnly: boolean }>, region: string): Caller {
  const authorization = header(req, 'authorization');
  if (authorization === undefined) throw new S3Failure(403, 'AccessDenied', 'Access Denied (anonymous requests are not allowed)');
  const match = /^AWS4-HMAC-SHA256 (.*)$/.exec(authorization);
  if (!match) throw new S3Failure(400, 'InvalidArgument', 'Unsupported Authorization Type');
  const fields = new Map<string, string>();
  for (const part of match[1]!.split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  const credential = fields.get('Credential')?.split('/');
  const signedHeaders = fields.get('SignedHeaders')?.split(';');
  const signature = fields.get('Signature');
  if (!credential || credential.length !== 5 || !signedHeaders || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
    throw new S3Failure(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.');
  }
  const [accessKeyId, scopeDate, scopeRegion, service, terminator] = credential as [string, string, string, string, string];
  const known = credentials.get(accessKeyId);
  if (!known) throw new S3Failure(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
  if (scopeRegion !== region) throw new S3Failure(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; the region '${scopeRegion}' is wrong; expecting '${region}'`, { Region: region });
  if (service !== 's3' || terminator !== 'aws4_request') throw new S3Failure(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed; the credential scope is invalid.');

  const amzDate = header(req, 'x-amz-date');
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) throw new S3Failure(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  if (amzDate.slice(0, 8) !== scopeDate) throw new S3Failure(400, 'AuthorizationHeaderMalformed', 'Invalid credential date. Date is not the same as X-Amz-Date.');
  const requestTime = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(Date.now() - requestTime) > MAX_CLOCK_SKEW_MS) throw new S3Failure(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');

  const payloadSha256 = header(req, 'x-amz-content-sha256');
  if (payloadSha256 === undefined) throw new S3Failure(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  if (!signedHeaders.includes('host')) throw new S3Failure(403, 'AccessDenied', 'Host must be a signed header');
  const unsigned = Object.keys(req.headers).filter((name) => name.startsWith('x-amz-') && !signedHeaders.includes(name));
  if (unsigned.length > 0) throw new S3Failure(403, 'AccessDenied', `There were headers present in the request which were not signed: ${unsigned.join(', ')}`);

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = header(req, name) ?? '';
  const expected = expectedSignature({
    method: req.method ?? '',
    rawPath,
    rawQuery,
    headers,
    signedHeaders,
    payloadSha256,
    amzDate,
    region: scopeRegion,
    secretAccessKey: known.secret,
  });
  if (!timingSafeEqual(Buffer.from(expected.signature, 'hex'), Buffer.from(signature, 'hex'))) {
    throw new S3Failure(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
      AWSAccessKeyId: accessKeyId,
      StringToSign: expected.stringToSign,
      CanonicalRequest: expected.canonicalRequest,
    });
  }
  return { accessKeyId, readOnly: known.readOnly, payloadSha256 };
}

export interface SignatureInput {
  method: string;
  /** As on the request line: percent-encoded. */
  rawPath: string;
  rawQuery: string;
  /** Lowercase names of the signed headers, with their values as received. */
  headers: Record<string, string>;
  signedHeaders: string[];
  payloadSha256: string;
  /** x-amz-date, e.g. 20130524T000000Z. */
  amzDate: string;
  region: string;
  secretAccessKey: string;
}

/**
 * The stand-in's own SigV4 computation, from AWS's description of the canonical request:
 * HTTPMethod, CanonicalURI (the path's segments decoded and re-encoded with UriEncode, once, as
 * S3 does), CanonicalQueryString (each name and value re-encoded, sorted by name), the signed
 * headers (lowercase name ':' trimmed value, spaces collapsed) each on its own line, the
 * SignedHeaders list, and the payload hash; then the string to sign and the HMAC chain.
 */
export function expectedSignature(input: SignatureInput): { canonicalRequest: string; stringToSign: string; signature: string } {
  const canonicalUri = input.rawPath
    .split('/')
    .map((segment) => awsUriEncode(decodeURIComponent(segment)))
    .join('/');
  const canonicalQuery = rawQueryPairs(input.rawQuery)
    .map(([name, value]) => `${awsUriEncode(name)}=${awsUriEncode(value)}`)
    .sort((a, b) => {
      // Sorted by name; pairs with the same name by value.
      const [nameA = '', valueA = ''] = a.split('=');
      const [nameB = '', valueB = ''] = b.split('=');
      return nameA === nameB ? (valueA < valueB ? -1 : valueA > valueB ? 1 : 0) : nameA < nameB ? -1 : 1;
    })
    .join('&');
  const canonicalHeaders = input.signedHeaders.map((name) => `${name}:${(input.headers[name] ?? '').replace(/\s+/g, ' ').trim()}\n`).join('');
  const canonicalRequest = `${input.method}\n${canonicalUri}\n${canonicalQuery}\n${canonicalHeaders}\n${input.signedHeaders.join(';')}\n${input.payloadSha256}`;
  const date = input.amzDate.slice(0, 8);
  const scope = `${date}/${input.region}/s3/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${input.amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')}`;
  let key: Buffer = Buffer.from(`AWS4${input.secretAccessKey}`, 'utf8');
  for (const step of [date, input.region, 's3', 'aws4_request']) key = createHmac('sha256', key).update(step, 'utf8').digest();
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  return { canonicalRequest, stringToSign, signature };
}

/** UriEncode with '/' encoded too: encodeURIComponent, which leaves !'()* as they are, and those encoded as well. */
function awsUriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The body, checked against a signed payload hash. */
async function readBody(req: IncomingMessage, payloadSha256: string): Promise<Buffer> {
  if (payloadSha256.startsWith('STREAMING-')) throw new S3Failure(501, 'NotImplemented', 'Chunked (streaming) signatures are not implemented by this stand-in');
  if (payloadSha256 !== 'UNSIGNED-PAYLOAD' && !/^[0-9a-f]{64}$/.test(payloadSha256)) {
    throw new S3Failure(400, 'InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-... or a valid sha256 value.');
  }
  const hasBody = req.method === 'PUT' || req.method === 'POST';
  if (hasBody && req.headers['content-length'] === undefined) throw new S3Failure(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  if (payloadSha256 !== 'UNSIGNED-PAYLOAD' && createHash('sha256').update(body).digest('hex') !== payloadSha256) {
    throw new S3Failure(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
      ClientComputedContentSHA256: payloadSha256,
      S3ComputedContentSHA256: createHash('sha256').update(body).digest('hex'),
    });
  }
  if (!hasBody && body.length > 0 && payloadSha256 === EMPTY_SHA256) throw new S3Failure(400, 'InvalidRequest', 'Unexpected request body');
  return body;
}

/** The <Part> list of a CompleteMultipartUpload request body. */
function parseCompleteRequest(xml: string): { partNumber: number; etag: string }[] {
  if (!/<CompleteMultipartUpload[\s>]/.test(xml)) throw new S3Failure(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
  const parts = [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, inner]) => {
    const number = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(inner!)?.[1];
    const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(inner!)?.[1];
    if (number === undefined || etag === undefined) throw new S3Failure(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
    return { partNumber: Number(number), etag: unescapeXml(etag.trim()) };
  });
  if (parts.length === 0) throw new S3Failure(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
  return parts;
}

function listObjectsV2(bucket: string, objects: Map<string, StoredS3Object>, query: Map<string, string>): string {
  if (query.has('delimiter') || query.has('encoding-type') || query.has('fetch-owner')) {
    throw new S3Failure(501, 'NotImplemented', 'delimiter, encoding-type and fetch-owner are not implemented by this stand-in');
  }
  const prefix = query.get('prefix') ?? '';
  const maxKeysText = query.get('max-keys') ?? '1000';
  if (!/^\d+$/.test(maxKeysText)) throw new S3Failure(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range');
  const maxKeys = Math.min(Number(maxKeysText), 1000);
  const token = query.get('continuation-token');
  let after = query.get('start-after') ?? '';
  if (token !== undefined) {
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    if (!decoded.startsWith('after:')) throw new S3Failure(400, 'InvalidArgument', 'The continuation token provided is incorrect');
    after = decoded.slice('after:'.length);
  }
  // UTF-8 binary order, as S3 lists.
  const keys = [...objects.keys()]
    .filter((key) => key.startsWith(prefix) && Buffer.compare(Buffer.from(key), Buffer.from(after)) > 0)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const page = keys.slice(0, maxKeys);
  const truncated = keys.length > page.length;
  const contents = page
    .map((key) => {
      const object = objects.get(key)!;
      return `<Contents><Key>${escapeXml(key)}</Key><LastModified>${object.lastModified.toISOString()}</LastModified><ETag>${escapeXml(object.etag)}</ETag><Size>${object.data.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    })
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    `<Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>` +
    `<IsTruncated>${truncated}</IsTruncated>` +
    (token !== undefined ? `<ContinuationToken>${escapeXml(token)}</ContinuationToken>` : '') +
    (truncated ? `<NextContinuationToken>${Buffer.from(`after:${page[page.length - 1]}`).toString('base64url')}</NextContinuationToken>` : '') +
    contents +
    '</ListBucketResult>'
  );
}

function xmlDocument(root: string, fields: Record<string, string>): string {
  const inner = Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</${root}>`;
}

function errorDocument(failure: S3Failure, resource: string): string {
  const fields: Record<string, string> = { Code: failure.code, Message: failure.message, ...failure.extra, Resource: resource, RequestId: randomBytes(8).toString('hex').toUpperCase() };
  const inner = Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${inner}</Error>`;
}

function sendXml(res: ServerResponse, status: number, xml: string): void {
  const body = Buffer.from(xml, 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': String(body.length) });
  res.end(body);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function unescapeXml(text: string): string {
  return text.replace(/&(?:#(\d+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));/g, (_, decimal?: string, hex?: string, name?: string) => {
    if (decimal) return String.fromCodePoint(Number(decimal));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[name as 'lt'];
  });
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

function md5(data: Buffer): Buffer {
  return createHash('md5').update(data).digest();
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
