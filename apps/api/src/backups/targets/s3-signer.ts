import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for Amazon S3 and S3-compatible servers, with the Authorization header
 * and a signed payload, as AWS documents it ("Signature Calculations for the Authorization Header:
 * Transferring Payload in a Single Chunk", Amazon S3 API Reference). S3 differs from other
 * services in one point: the path is URI-encoded once, not twice, and never normalized.
 */

export const SIGNING_ALGORITHM = 'AWS4-HMAC-SHA256';
/** sha256 of nothing, the payload hash of a request without a body. */
export const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** 's3' unless a test vector says otherwise. */
  service?: string;
}

export interface RequestToSign {
  method: string;
  /** As the Host header will carry it: the host name, and ':port' unless the scheme's default. */
  host: string;
  /** Not encoded: '/bucket/some key', each segment is encoded here. */
  path: string;
  /** Not encoded; a parameter without a value (`?uploads`) has the value ''. */
  query?: ReadonlyArray<readonly [string, string]>;
  /** Further headers to sign and send (Range, x-amz-meta-..., Content-Type); names in any case. */
  headers?: Readonly<Record<string, string>>;
  /** Hex sha256 of the body, sent as x-amz-content-sha256 so the server checks the body against it. */
  payloadSha256: string;
}

export interface SignedRequest {
  /** Encoded path and query, as they must go on the request line: exactly what was signed. */
  target: string;
  /** Every signed header (lowercase names) and Authorization. */
  headers: Record<string, string>;
}

/**
 * UriEncode() of the SigV4 documentation: every byte of the UTF-8 form percent-encoded (upper-case
 * hex), except the unreserved A-Z a-z 0-9 - _ . ~ and, where keepSlash, '/'.
 */
export function uriEncode(value: string, keepSlash: boolean): string {
  let encoded = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(char) || (keepSlash && char === '/')) encoded += char;
    else encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** Names and values encoded, sorted by name and then by value, joined with '&'; `uploads` becomes `uploads=`. */
export function canonicalQueryString(query: ReadonlyArray<readonly [string, string]>): string {
  return query
    .map(([name, value]) => [uriEncode(name, false), uriEncode(value, false)] as const)
    .sort(([nameA, valueA], [nameB, valueB]) => compare(nameA, nameB) || compare(valueA, valueB))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** The canonical request: method, URI, query, headers, signed header names and payload hash, one per line. */
export function canonicalRequest(method: string, encodedPath: string, canonicalQuery: string, headers: Readonly<Record<string, string>>, payloadSha256: string): string {
  const names = Object.keys(headers).sort(compare);
  const canonicalHeaders = names.map((name) => `${name}:${headers[name]!.trim().replace(/ +/g, ' ')}\n`).join('');
  return [method, encodedPath, canonicalQuery, canonicalHeaders, names.join(';'), payloadSha256].join('\n');
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [SIGNING_ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

/** `20130524T000000Z`. */
export function amzDate(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Signs a request: host, x-amz-date, x-amz-content-sha256 and the given headers are all signed.
 * Only the derived signature leaves this function; the secret itself goes nowhere.
 */
export function signRequest(request: RequestToSign, credentials: SigningCredentials, now: Date = new Date()): SignedRequest {
  const service = credentials.service ?? 's3';
  const timestamp = amzDate(now);
  const date = timestamp.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  headers.host = request.host;
  headers['x-amz-date'] = timestamp;
  headers['x-amz-content-sha256'] = request.payloadSha256;

  const encodedPath = uriEncode(request.path, true);
  const query = canonicalQueryString(request.query ?? []);
  const canonical = canonicalRequest(request.method, encodedPath, query, headers, request.payloadSha256);
  const scope = `${date}/${credentials.region}/${service}/aws4_request`;
  const signature = hmac(signingKey(credentials.secretAccessKey, date, credentials.region, service), stringToSign(timestamp, scope, canonical)).toString('hex');
  const signedHeaders = Object.keys(headers).sort(compare).join(';');
  return {
    target: query === '' ? encodedPath : `${encodedPath}?${query}`,
    headers: {
      ...headers,
      authorization: `${SIGNING_ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    },
  };
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** By code unit, which for the ASCII of encoded names is byte order, as SigV4 sorts. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
