/**
 * Input buffers in arrival order, taken out by exact byte counts. A run that lies within one
 * input buffer comes out as a view of it; only a run spanning several is copied, once.
 */
export class ByteQueue {
  private readonly buffers: Buffer[] = [];
  private queued = 0;

  get length(): number {
    return this.queued;
  }

  push(buffer: Buffer): void {
    if (buffer.length === 0) return;
    this.buffers.push(buffer);
    this.queued += buffer.length;
  }

  /** The first `count` bytes, which must be queued. */
  take(count: number): Buffer {
    this.queued -= count;
    const first = this.buffers[0];
    if (first === undefined) return Buffer.alloc(0);
    if (first.length >= count) {
      if (first.length === count) this.buffers.shift();
      else this.buffers[0] = first.subarray(count);
      return first.subarray(0, count);
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const buffer = this.buffers[0]!;
      const used = Math.min(buffer.length, count - filled);
      buffer.copy(out, filled, 0, used);
      filled += used;
      if (used === buffer.length) this.buffers.shift();
      else this.buffers[0] = buffer.subarray(used);
    }
    return out;
  }
}
