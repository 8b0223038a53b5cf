/**
 * CONTRACT TEST of the S3 backup target.
 *
 * No S3-compatible server can run here, so the target is tested against a stand-in
 * (test/support/s3-contract-server.ts) written from AWS's published Amazon S3 API Reference and
 * Signature Version 4 documentation, which verifies every request's signature and every signed
 * payload by code of its own. The signer itself is checked against the examples AWS publishes.
 * Passing proves agreement with the documents, not with any particular server product.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type BackupTarget, hashStream } from '../../src/backups/targets/backup-target';
import { EMPTY_PAYLOAD_SHA256, amzDate, canonicalRequest, sha256Hex, signRequest, signingKey, stringToSign, uriEncode } from '../../src/backups/targets/s3-signer';
import { S3Target, type S3TargetConfig, type S3TargetOptions, decodeXml, xmlElements, xmlValue } from '../../src/backups/targets/s3.target';
import { TargetError, type TargetErrorCode } from '../../src/backups/targets/target-error';
import { openTarget, s3TargetConfig } from '../../src/backups/targets/targets';
import { type S3ContractServer, expectedSignature, startS3ContractServer } from '../support/s3-contract-server';

const MiB = 1024 * 1024;
const PART = 5 * MiB;

/** Random content in 64 KiB chunks, the way a file or pipe delivers it. */
function randomContent(bytes: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let left = bytes; left > 0; left -= 64 * 1024) chunks.push(randomBytes(Math.min(left, 64 * 1024)));
  return chunks;
}

function sha256(chunks: Buffer[]): string {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

async function rejectsWith(promise: Promise<unknown>, code: TargetErrorCode, message?: RegExp): Promise<TargetError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}`),
    (error: unknown) => error,
  );
  assert.ok(error instanceof TargetError, `a TargetError, not ${String(error)}`);
  assert.equal(error.code, code, error.message);
  if (message) assert.match(error.message, message);
  return error;
}

/** AWS's example credentials, used by every example in the SigV4 documentation for S3. */
const AWS_EXAMPLE = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
  host: 'examplebucket.s3.amazonaws.com',
  now: new Date('2013-05-24T00:00:00Z'),
};

function signatureOf(authorization: string): { signedHeaders: string; signature: string } {
  const match = /SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  assert.ok(match, authorization);
  return { signedHeaders: match[1]!, signature: match[2]! };
}

describe('SigV4 signer against the examples AWS publishes', () => {
  test('derives the signing key of "Examples of how to derive a signing key for Signature Version 4"', () => {
    assert.equal(
      signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam').toString('hex'),
      'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d',
    );
  });

  // Amazon S3 API Reference, "Signature Calculations for the Authorization Header: Transferring
  // Payload in a Single Chunk", Examples: GET Object, PUT Object, GET Bucket Lifecycle, Get Bucket (List Objects).
  test('GET Object: the documented canonical request, string to sign and signature', () => {
    const headers = { host: AWS_EXAMPLE.host, range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256, 'x-amz-date': '20130524T000000Z' };
    const canonical = canonicalRequest('GET', '/test.txt', '', headers, EMPTY_PAYLOAD_SHA256);
    assert.equal(
      canonical,
      [
        'GET',
        '/test.txt',
        '',
        'host:examplebucket.s3.amazonaws.com',
        'range:bytes=0-9',
        'x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-amz-date:20130524T000000Z',
        '',
        'host;range;x-amz-content-sha256;x-amz-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    assert.equal(
      stringToSign('20130524T000000Z', '20130524/us-east-1/s3/aws4_request', canonical),
      'AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972',
    );
    const signed = signRequest({ method: 'GET', host: AWS_EXAMPLE.host, path: '/test.txt', headers: { Range: 'bytes=0-9' }, payloadSha256: EMPTY_PAYLOAD_SHA256 }, AWS_EXAMPLE, AWS_EXAMPLE.now);
    assert.equal(signed.target, '/test.txt');
    assert.match(signed.headers.authorization!, /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20130524\/us-east-1\/s3\/aws4_request, /);
    assert.deepEqual(signatureOf(signed.headers.authorization!), {
      signedHeaders: 'host;range;x-amz-content-sha256;x-amz-date',
      signature: 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    });
    assert.equal(signed.headers['x-amz-date'], '20130524T000000Z');
  });

  test('PUT Object: a $ in the key, a Date and an x-amz-storage-class header, a signed payload', () => {
    const payload = sha256Hex('Welcome to Amazon S3.');
    assert.equal(payload, '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    const signed = signRequest(
      {
        method: 'PUT',
        host: AWS_EXAMPLE.host,
        path: '/test$file.text',
        headers: { Date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
        payloadSha256: payload,
      },
      AWS_EXAMPLE,
      AWS_EXAMPLE.now,
    );
    assert.equal(signed.target, '/test%24file.text');
    assert.deepEqual(signatureOf(signed.headers.authorization!), {
      signedHeaders: 'date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class',
      signature: '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    });
  });

  test('GET Bucket Lifecycle and List Objects: query parameters with and without values', () => {
    const lifecycle = signRequest({ method: 'GET', host: AWS_EXAMPLE.host, path: '/', query: [['lifecycle', '']], payloadSha256: EMPTY_PAYLOAD_SHA256 }, AWS_EXAMPLE, AWS_EXAMPLE.now);
    assert.equal(lifecycle.target, '/?lifecycle=');
    assert.equal(signatureOf(lifecycle.headers.authorization!).signature, 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
    const list = signRequest(
      // Given out of order: the canonical query string is sorted.
      { method: 'GET', host: AWS_EXAMPLE.host, path: '/', query: [['prefix', 'J'], ['max-keys', '2']], payloadSha256: EMPTY_PAYLOAD_SHA256 },
      AWS_EXAMPLE,
      AWS_EXAMPLE.now,
    );
    assert.equal(list.target, '/?max-keys=2&prefix=J');
    assert.equal(signatureOf(list.headers.authorization!).signature, '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });

  test("the stand-in's own verifier computes the same documented signatures", () => {
    const get = expectedSignature({
      method: 'GET',
      rawPath: '/test.txt',
      rawQuery: '',
      headers: { host: AWS_EXAMPLE.host, range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256, 'x-amz-date': '20130524T000000Z' },
      signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
      payloadSha256: EMPTY_PAYLOAD_SHA256,
      amzDate: '20130524T000000Z',
      region: 'us-east-1',
      secretAccessKey: AWS_EXAMPLE.secretAccessKey,
    });
    assert.equal(get.signature, 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
    const list = expectedSignature({
      method: 'GET',
      rawPath: '/',
      rawQuery: 'prefix=J&max-keys=2',
      headers: { host: AWS_EXAMPLE.host, 'x-amz-content-sha256': EMPTY_PAYLOAD_SHA256, 'x-amz-date': '20130524T000000Z' },
      signedHeaders: ['host', 'x-amz-content-sha256', 'x-amz-date'],
      payloadSha256: EMPTY_PAYLOAD_SHA256,
      amzDate: '20130524T000000Z',
      region: 'us-east-1',
      secretAccessKey: AWS_EXAMPLE.secretAccessKey,
    });
    assert.equal(list.signature, '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });

  test('UriEncode: unreserved characters stay, everything else is %XX of its UTF-8 bytes', () => {
    assert.equal(uriEncode("AZaz09-_.~ !*'()$&+,;=:@/", true), "AZaz09-_.~%20%21%2A%27%28%29%24%26%2B%2C%3B%3D%3A%40/");
    assert.equal(uriEncode('a/b c', false), 'a%2Fb%20c');
    assert.equal(uriEncode('ü€', false), '%C3%BC%E2%82%AC');
    assert.equal(amzDate(new Date('2026-01-02T03:04:05.678Z')), '20260102T030405Z');
  });

  test('the XML reader decodes entities and CDATA once, and finds elements by exact name', () => {
    assert.equal(decodeXml('a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#38;&#x26; &amp;lt;'), 'a&b <c> "d" \'e\' && &lt;');
    assert.equal(decodeXml('<![CDATA[x&amp;<y>]]>'), 'x&amp;<y>');
    const xml = '<R><KeyCount>2</KeyCount><Contents><Key>a</Key></Contents><Contents><Key attr="1">b&amp;c</Key></Contents><Next/></R>';
    assert.deepEqual(
      xmlElements(xml, 'Contents').map((each) => xmlValue(each, 'Key')),
      ['a', 'b&c'],
    );
    assert.equal(xmlValue(xml, 'KeyCount'), '2');
    assert.equal(xmlValue(xml, 'Next'), '');
    assert.equal(xmlValue(xml, 'Missing'), undefined);
  });
});

describe('S3 target: contract test against an S3 stand-in written from the AWS documentation', () => {
  let server: S3ContractServer;
  const opened: BackupTarget[] = [];
  let counter = 0;

  before(async () => {
    server = await startS3ContractServer();
  });
  after(async () => {
    for (const target of opened) await target.close();
    await server?.stop();
  });
  beforeEach(() => server.clearFailures());

  /** A target below a prefix of its own, so tests do not see each other's objects. */
  function s3Target(overrides: Partial<S3TargetConfig> = {}, secretAccessKey = server.secretAccessKey, options: S3TargetOptions = {}): S3Target {
    counter += 1;
    const target = new S3Target(
      { endpoint: server.endpoint, region: server.region, bucket: server.bucket, prefix: `test-${counter}`, accessKeyId: server.accessKeyId, pathStyle: true, ...overrides },
      { secretAccessKey },
      { partSize: PART, retryDelaysMs: [5, 5], ...options },
    );
    opened.push(target);
    return target;
  }

  /** Keys the server holds below prefix, with the prefix. */
  function storedKeys(prefix: string): string[] {
    return [...server.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  function requestsSince(mark: number) {
    return server.requests.slice(mark);
  }

  test('put sends several verified parts; stat, read, list and delete round-trip the object', async () => {
    const target = s3Target();
    const prefix = `test-${counter}/`;
    const content = randomContent(2 * PART + MiB + 12_345);
    const key = "instances/chat 1/2026-01-02T03:04:05Z+(a)!*'$&,;=@x.tar.zst.age";
    const mark = server.requests.length;

    const uploaded = await target.put(key, Readable.from(content));
    assert.deepEqual(uploaded, { size: 2 * PART + MiB + 12_345, sha256: sha256(content) });
    const stored = server.objects.get(prefix + key);
    assert.ok(stored, `stored under ${prefix + key}: ${storedKeys(prefix).join(', ')}`);
    assert.equal(createHash('sha256').update(stored.data).digest('hex'), uploaded.sha256, 'the stored object is what was sent');
    assert.equal(server.uploads.size, 0, 'no upload is left pending');

    const requests = requestsSince(mark);
    assert.deepEqual(
      requests.map((each) => `${each.operation} ${each.status}`),
      ['CreateMultipartUpload 200', 'UploadPart 200', 'UploadPart 200', 'UploadPart 200', 'CompleteMultipartUpload 200', 'GetObject 200'],
    );
    const whole = Buffer.concat(content);
    const parts = requests.filter((each) => each.operation === 'UploadPart');
    assert.deepEqual(
      parts.map((each) => [each.partNumber, each.bodyBytes, each.payloadSha256]),
      [
        [1, PART, sha256Hex(whole.subarray(0, PART))],
        [2, PART, sha256Hex(whole.subarray(PART, 2 * PART))],
        [3, MiB + 12_345, sha256Hex(whole.subarray(2 * PART))],
      ],
      'each part carries its own sha256, which the server checked',
    );
    assert.ok(requests.every((each) => each.payloadSha256 !== 'UNSIGNED-PAYLOAD'));
    assert.match(requests[1]!.url, /^\/hearth-backups\/test-\d+\/instances\/chat%201\/2026-01-02T03%3A04%3A05Z%2B%28a%29%21%2A%27%24%26%2C%3B%3D%40x\.tar\.zst\.age\?partNumber=1&uploadId=/);

    const info = await target.stat(key);
    assert.equal(info?.key, key);
    assert.equal(info?.size, uploaded.size);
    assert.ok(info?.modifiedAt && Math.abs(info.modifiedAt.getTime() - Date.now()) < 60_000);
    assert.deepEqual(await hashStream(await target.read(key)), uploaded);

    await target.put('instances/chat-2/other.age', Readable.from([Buffer.from('small')]));
    assert.deepEqual((await target.list('')).map((each) => each.key), [key, 'instances/chat-2/other.age']);
    assert.deepEqual((await target.list('instances/chat 1/')).map((each) => each.key), [key]);
    assert.deepEqual((await target.list('instances/chat 1/2026-01')).map((each) => each.key), [key], 'a prefix need not end at a /');
    assert.deepEqual(await target.list('elsewhere/'), []);
    const [small] = await target.list('instances/chat-2/');
    assert.equal(small?.size, 5);
    assert.ok(small?.modifiedAt instanceof Date);

    await target.delete(key);
    await target.delete(key);
    assert.equal(await target.stat(key), null);
    assert.equal(await target.stat('instances/chat 1'), null);
    assert.deepEqual(storedKeys(prefix), [`${prefix}instances/chat-2/other.age`]);
    await rejectsWith(target.read(key), 'backup_target/failed', /no backup object/);
  });

  test('an empty body and a body of exactly one part are stored too', async () => {
    const target = s3Target();
    assert.deepEqual(await target.put('empty', Readable.from([])), { size: 0, sha256: sha256([]) });
    assert.equal((await target.stat('empty'))?.size, 0);
    const mark = server.requests.length;
    const exact = randomContent(PART);
    assert.equal((await target.put('exact', Readable.from(exact))).sha256, sha256(exact));
    assert.equal(requestsSince(mark).filter((each) => each.operation === 'UploadPart').length, 1);
  });

  test('the prefix is kept in front of every key, with or without a trailing /', async () => {
    const target = s3Target({ prefix: 'hearth/prod' });
    await target.put('a/object', Readable.from([Buffer.from('x')]));
    assert.ok(server.objects.has('hearth/prod/a/object'));
    const same = s3Target({ prefix: '/hearth/prod/' });
    assert.deepEqual((await same.list('')).map((each) => each.key), ['a/object']);
    const root = s3Target({ prefix: '' });
    assert.ok((await root.list('hearth/')).some((each) => each.key === 'hearth/prod/a/object'));
  });

  test('put replaces an existing object', async () => {
    const target = s3Target();
    await target.put('a/object', Readable.from([Buffer.from('first version, longer')]));
    const second = await target.put('a/object', Readable.from([Buffer.from('second')]));
    assert.equal(second.size, 6);
    assert.equal(server.objects.get(`test-${counter}/a/object`)?.data.toString(), 'second');
    assert.deepEqual(storedKeys(`test-${counter}/`), [`test-${counter}/a/object`]);
  });

  test('list follows continuation tokens, decodes XML entities and skips what is no object of ours', async () => {
    const target = s3Target({}, undefined, { listPageSize: 3 });
    const prefix = `test-${counter}/`;
    const keys = ['a&b<c>"d\'', 'b', 'c/1', 'c/2', 'c/3', 'd', 'e', 'f'];
    for (const key of keys) await target.put(key, Readable.from([Buffer.from(key)]));
    // Written by other tools: a console's folder marker, and keys Hearth would refuse.
    for (const foreign of [`${prefix}folder/`, `${prefix}x/../y`, `${prefix}double//slash`, `other-${prefix}z`]) {
      server.objects.set(foreign, { data: Buffer.alloc(1), etag: '"0"', lastModified: new Date(), contentType: 'binary/octet-stream' });
    }
    const mark = server.requests.length;
    const listed = await target.list('');
    assert.deepEqual(
      listed.map((each) => each.key),
      keys,
    );
    assert.deepEqual(
      listed.map((each) => each.size),
      keys.map((key) => key.length),
    );
    const pages = requestsSince(mark).filter((each) => each.operation === 'ListObjectsV2');
    assert.equal(pages.length, 4, '11 objects below the prefix, 3 a page');
    assert.ok(pages.slice(1).every((each) => each.url.includes('continuation-token=')));
    assert.deepEqual((await target.list('c/')).map((each) => each.key), ['c/1', 'c/2', 'c/3']);
  });

  test('a stored copy that differs from what was sent is found by the read-back and deleted', async () => {
    const target = s3Target();
    server.corruptNextCompletion();
    const error = await rejectsWith(target.put('corrupt', Readable.from(randomContent(PART + 1000))), 'backup_target/failed', /differs from what was sent/);
    assert.match(error.message, /corrupt in bucket hearth-backups/);
    assert.deepEqual(storedKeys(`test-${counter}/`), []);
    assert.equal(server.uploads.size, 0);
  });

  test('a part that keeps failing aborts the upload: no object and no pending upload remain', async () => {
    const target = s3Target();
    server.fail({ operation: 'UploadPart', partNumber: 2, status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' });
    const mark = server.requests.length;
    await rejectsWith(target.put('broken', Readable.from(randomContent(3 * PART))), 'backup_target/failed', /upload part 2 of .*InternalError/);
    const requests = requestsSince(mark);
    assert.equal(requests.filter((each) => each.operation === 'UploadPart' && each.partNumber === 2).length, 3, 'tried three times');
    assert.equal(requests.filter((each) => each.operation === 'UploadPart' && each.partNumber === 3).length, 0, 'no part after the failed one');
    assert.deepEqual(requests.at(-1) && [requests.at(-1)!.operation, requests.at(-1)!.status], ['AbortMultipartUpload', 204]);
    assert.equal(server.uploads.size, 0);
    assert.deepEqual(storedKeys(`test-${counter}/`), []);
  });

  test('a part failing once is sent again and the upload completes', async () => {
    const target = s3Target();
    server.fail({ operation: 'UploadPart', partNumber: 1, status: 503, code: 'SlowDown', message: 'Please reduce your request rate.', times: 1 });
    const content = randomContent(PART + 10);
    assert.equal((await target.put('retried', Readable.from(content))).sha256, sha256(content));
    assert.equal(server.uploads.size, 0);
  });

  test('CompleteMultipartUpload answering 200 OK with an <Error> inside is a failure, and the upload is aborted', async () => {
    const target = s3Target();
    server.fail({ operation: 'CompleteMultipartUpload', status: 200, code: 'InternalError', message: 'We encountered an internal error. Please try again.', inBody: true });
    await rejectsWith(target.put('late-error', Readable.from([Buffer.from('x')])), 'backup_target/failed', /complete the upload of .*InternalError/);
    assert.equal(server.uploads.size, 0);
    assert.deepEqual(storedKeys(`test-${counter}/`), []);
  });

  test("a body that fails midway passes its own error on, and the upload is aborted", async () => {
    const target = s3Target();
    const body = Readable.from(
      (async function* () {
        yield* randomContent(PART + MiB);
        throw new Error('the encrypter crashed');
      })(),
    );
    await assert.rejects(target.put('sub/broken', body), /the encrypter crashed/);
    assert.equal(server.uploads.size, 0);
    assert.equal(await target.stat('sub/broken'), null);
  });

  test('QuotaExceeded, 507 and EntityTooLarge are no_space', async () => {
    const target = s3Target();
    server.fail({ operation: 'UploadPart', status: 403, code: 'QuotaExceeded', message: 'Quota exceeded', times: 1 });
    await rejectsWith(target.put('full', Readable.from([Buffer.from('x')])), 'backup_target/no_space', /QuotaExceeded/);
    assert.equal(server.uploads.size, 0);
    server.fail({ operation: 'CreateMultipartUpload', status: 507, code: 'XMinioStorageFull', message: 'Storage backend has reached its minimum free drive threshold.', times: 1 });
    await rejectsWith(target.put('full', Readable.from([Buffer.from('x')])), 'backup_target/no_space', /XMinioStorageFull/);
    server.fail({ operation: 'UploadPart', status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed object size.', times: 1 });
    await rejectsWith(target.put('full', Readable.from([Buffer.from('x')])), 'backup_target/no_space', /EntityTooLarge/);
    assert.equal(server.uploads.size, 0);
  });

  test('a wrong secret or an unknown access key is auth_failed, and no secret is in a message or on the wire', async () => {
    const wrongSecret = 'wrong-secret-4711/abcdefghijklmnopqrstuvwxyz';
    const mark = server.requests.length;
    const error = await rejectsWith(s3Target({}, wrongSecret).test(), 'backup_target/auth_failed', /SignatureDoesNotMatch/);
    assert.ok(!error.message.includes(wrongSecret) && !error.message.includes('wrong-secret'), error.message);
    const unknown = await rejectsWith(s3Target({ accessKeyId: 'AKIANOTKNOWN0000' }).stat('x'), 'backup_target/permission_denied');
    // HEAD responses have no body, so a HEAD cannot tell which; a request with a body can:
    assert.match(unknown.message, /AKIANOTKNOWN0000/);
    await rejectsWith(s3Target({ accessKeyId: 'AKIANOTKNOWN0000' }).list(''), 'backup_target/auth_failed', /InvalidAccessKeyId/);
    await rejectsWith(s3Target({ accessKeyId: 'AKIANOTKNOWN0000' }).put('x', Readable.from([Buffer.from('x')])), 'backup_target/auth_failed', /InvalidAccessKeyId/);

    await s3Target().put('x', Readable.from([Buffer.from('x')]));
    for (const request of requestsSince(mark)) {
      const wire = `${request.url}\n${request.rawHeaders.join('\n')}`;
      assert.ok(!wire.includes(wrongSecret) && !wire.includes(server.secretAccessKey), 'the secret never travels');
    }
  });

  test('a read-only access key is permission_denied for writes but may list and read', async () => {
    const writer = s3Target();
    await writer.put('kept', Readable.from([Buffer.from('data')]));
    const reader = s3Target({ prefix: `test-${counter}`, accessKeyId: server.readOnlyAccessKeyId }, server.readOnlySecretAccessKey);
    assert.deepEqual((await reader.list('')).map((each) => each.key), ['kept']);
    assert.equal((await hashStream(await reader.read('kept'))).size, 4);
    await rejectsWith(reader.put('new', Readable.from([Buffer.from('x')])), 'backup_target/permission_denied', /AccessDenied/);
    await rejectsWith(reader.delete('kept'), 'backup_target/permission_denied');
  });

  test('a missing bucket and a wrong region are failed, with S3 error code and message', async () => {
    await rejectsWith(s3Target({ bucket: 'no-such-bucket' }).test(), 'backup_target/failed', /NoSuchBucket: The specified bucket does not exist/);
    await rejectsWith(s3Target({ bucket: 'no-such-bucket' }).read('x'), 'backup_target/failed', /NoSuchBucket/);
    await rejectsWith(s3Target({ bucket: 'no-such-bucket' }).delete('x'), 'backup_target/failed', /NoSuchBucket/);
    await rejectsWith(s3Target({ region: 'us-east-1' }).list(''), 'backup_target/failed', /AuthorizationHeaderMalformed: .*expecting 'eu-test-1'/);
  });

  test('nothing listening is unreachable', async () => {
    await rejectsWith(s3Target({ endpoint: `http://127.0.0.1:${server.closedPort}` }).test(), 'backup_target/unreachable', /ECONNREFUSED/);
  });

  test('a server that stops answering is unreachable after the timeout', async () => {
    server.stall('HeadObject');
    const started = Date.now();
    await rejectsWith(s3Target({}, undefined, { timeoutMs: 300 }).stat('x'), 'backup_target/unreachable', /made no progress for 0.3 s/);
    assert.ok(Date.now() - started < 5_000);
    server.stall('CompleteMultipartUpload');
    await rejectsWith(s3Target({}, undefined, { timeoutMs: 300 }).put('x', Readable.from([Buffer.from('x')])), 'backup_target/unreachable', /complete the upload/);
  });

  test('a slow reader is not taken for a server that stopped answering', async () => {
    const target = s3Target({}, undefined, { timeoutMs: 200 });
    const content = randomContent(4 * MiB);
    await target.put('slow', Readable.from(content));
    const stream = await target.read('slow');
    const hash = createHash('sha256');
    let size = 0;
    let paused = false;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      if (!paused && size > MiB) {
        // Several timeouts long, with the server's data waiting in the buffers.
        paused = true;
        await new Promise((resolve) => setTimeout(resolve, 700));
      }
    }
    assert.deepEqual({ size, sha256: hash.digest('hex') }, { size: 4 * MiB, sha256: sha256(content) });
  });

  test('virtual-hosted style puts the bucket in the host name', async () => {
    const asked: string[] = [];
    // Only names of the stand-in's own test domain resolve, and only to 127.0.0.1.
    const lookup = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      asked.push(hostname);
      if (!hostname.endsWith(server.virtualHostSuffix)) return callback(Object.assign(new Error(`not resolved in tests: ${hostname}`), { code: 'ENOTFOUND' }));
      if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    }) as unknown as LookupFunction;
    const target = s3Target({ endpoint: `http://${server.virtualHostSuffix}:${server.port}`, pathStyle: false }, undefined, { lookup });
    const mark = server.requests.length;
    await target.put('a b/c', Readable.from([Buffer.from('hosted')]));
    assert.deepEqual((await target.list('')).map((each) => each.key), ['a b/c']);
    assert.equal((await hashStream(await target.read('a b/c'))).size, 6);
    await target.delete('a b/c');
    assert.ok(asked.length > 0 && asked.every((name) => name === `${server.bucket}.${server.virtualHostSuffix}`), asked.join(', '));
    for (const request of requestsSince(mark)) {
      assert.equal(request.host, `${server.bucket}.${server.virtualHostSuffix}:${server.port}`);
      assert.ok(!request.url.startsWith(`/${server.bucket}`), request.url);
    }
  });

  test('test() writes, reads back and deletes a probe, and says that free space is unknown', async () => {
    const target = s3Target();
    const check = await target.test();
    assert.match(check.detail, /Wrote, read back and deleted a test object in test-\d+\/ in bucket hearth-backups at 127\.0\.0\.1:\d+; S3 does not report free space/);
    assert.equal(check.freeBytes, undefined);
    assert.equal(check.hostKeySha256, undefined);
    assert.deepEqual(storedKeys(`test-${counter}/`), []);
    assert.equal(server.uploads.size, 0);
  });

  test('keys that could leave the target root are refused before anything is sent', async () => {
    const target = s3Target();
    const mark = server.requests.length;
    for (const key of ['../x', 'a/../../x', '/abs', 'a//b', 'a/./b', '', 'a/', 'tab\there', 'ünïcode']) {
      await rejectsWith(target.put(key, Readable.from([Buffer.from('x')])), 'backup_target/failed', /Invalid backup object key/);
    }
    await rejectsWith(target.stat('../x'), 'backup_target/failed');
    await rejectsWith(target.read('/etc/passwd'), 'backup_target/failed');
    await rejectsWith(target.delete('a/..'), 'backup_target/failed');
    await rejectsWith(target.list('../'), 'backup_target/failed');
    assert.equal(server.requests.length, mark);
  });

  test('openTarget opens an S3 target from stored settings and secrets, and refuses invalid ones without echoing secrets', async () => {
    const config = { endpoint: server.endpoint, region: server.region, bucket: server.bucket, prefix: `test-${++counter}`, accessKeyId: server.accessKeyId };
    const target = openTarget('s3', config, { secretAccessKey: server.secretAccessKey });
    opened.push(target);
    assert.ok(target instanceof S3Target);
    await target.test();
    assert.deepEqual(s3TargetConfig.parse({ endpoint: 'https://s3.example.org', bucket: 'my-bucket', accessKeyId: 'AK' }), {
      endpoint: 'https://s3.example.org',
      bucket: 'my-bucket',
      accessKeyId: 'AK',
      region: 'us-east-1',
      prefix: '',
      pathStyle: true,
    });
    assert.throws(() => openTarget('s3', { ...config, endpoint: 'ftp://x' }, { secretAccessKey: 's' }), /endpoint: must be an http:\/\/ or https:\/\/ URL/);
    assert.throws(() => openTarget('s3', { ...config, bucket: 'Not_A_Bucket' }, { secretAccessKey: 's' }), /bucket: must be a valid bucket name/);
    assert.throws(() => openTarget('s3', config, {}), /secretAccessKey/);
    assert.throws(
      () => openTarget('s3', config, { secretAccessKey: 'hunter2-secret', token: 'also-secret' }),
      (error: Error) => error instanceof TargetError && !error.message.includes('secret-') && !error.message.includes('hunter2') && /token/.test(error.message),
    );
    assert.throws(() => new S3Target({ ...config, endpoint: 'http://user:pw@127.0.0.1:1', region: 'r', pathStyle: true }, { secretAccessKey: 's' }), /must not contain a user name/);
    assert.throws(() => new S3Target({ ...config, region: 'r', pathStyle: false }, { secretAccessKey: 's' }), /Virtual-hosted style needs a domain name/);
  });

  test('the stand-in checks what it is sent: a payload other than signed, and unsigned x-amz headers, are refused', async () => {
    const send = (method: string, path: string, headers: Record<string, string>, body: Buffer) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const outgoing = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers: { ...headers, 'content-length': String(body.length) } }, async (response) => {
          let text = '';
          for await (const chunk of response) text += chunk;
          resolve({ status: response.statusCode!, text });
        });
        outgoing.on('error', reject);
        outgoing.end(body);
      });
    const credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey, region: server.region };
    const host = `127.0.0.1:${server.port}`;
    const path = `/${server.bucket}/stand-in/put-object`;
    const signed = signRequest({ method: 'PUT', host, path, payloadSha256: sha256Hex('the signed body') }, credentials);

    const tampered = await send('PUT', signed.target, signed.headers, Buffer.from('another body'));
    assert.equal(tampered.status, 400);
    assert.match(tampered.text, /<Code>XAmzContentSHA256Mismatch<\/Code>/);

    const extra = await send('PUT', signed.target, { ...signed.headers, 'x-amz-meta-sneaked': 'in' }, Buffer.from('the signed body'));
    assert.equal(extra.status, 403);
    assert.match(extra.text, /not signed: x-amz-meta-sneaked/);

    const otherPath = await send('PUT', `${signed.target}-2`, signed.headers, Buffer.from('the signed body'));
    assert.equal(otherPath.status, 403);
    assert.match(otherPath.text, /<Code>SignatureDoesNotMatch<\/Code>/);

    const ok = await send('PUT', signed.target, signed.headers, Buffer.from('the signed body'));
    assert.equal(ok.status, 200, ok.text);
    const reader = s3Target({ prefix: 'stand-in' });
    assert.equal((await hashStream(await reader.read('put-object'))).sha256, sha256Hex('the signed body'));
  });
});
