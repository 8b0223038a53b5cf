/**
 * The Engine API multiplexes a container's stdout and stderr into one stream when it has no
 * terminal: frames of an 8-byte header (stream 1 or 2, three zero bytes, big-endian length)
 * followed by that many bytes.
 */
export function demuxLogs(raw: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const stream = raw[offset];
    const length = raw.readUInt32BE(offset + 4);
    const payload = raw.subarray(offset + 8, offset + 8 + length);
    (stream === 2 ? err : out).push(payload);
    offset += 8 + length;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
