import { createServer } from 'node:net';
import { RuntimeError } from './runtime';

export interface PortRange {
  readonly first: number;
  readonly last: number;
}

/** Outside Linux's ephemeral range (32768-60999), so outgoing connections don't take them meanwhile. */
export const DEFAULT_PORT_RANGE: PortRange = { first: 15200, last: 16199 };

export interface PortRequest {
  readonly name: string;
  /** The address the server will bind for this port. */
  readonly host: string;
}

export interface AllocateOptions {
  /** Ports already given to instances (running or not): never handed out again. */
  readonly taken: ReadonlySet<number>;
  readonly range?: PortRange;
}

/**
 * Gives each request the lowest port of the range that is neither taken nor in use, checked by
 * binding it on the request's address. The same inputs and the same free ports give the same
 * answer; two requests of one call never share a port.
 */
export async function allocatePorts(requests: readonly PortRequest[], options: AllocateOptions): Promise<Record<string, number>> {
  const range = options.range ?? DEFAULT_PORT_RANGE;
  if (!(Number.isInteger(range.first) && Number.isInteger(range.last) && range.first >= 1 && range.last <= 65535 && range.first <= range.last)) {
    throw new RangeError(`Invalid port range ${range.first}-${range.last}`);
  }
  const used = new Set(options.taken);
  const result: Record<string, number> = {};
  let next = range.first;
  for (const request of requests) {
    if (request.name in result) throw new RangeError(`Port ${request.name} requested twice`);
    for (;;) {
      if (next > range.last) {
        throw new RuntimeError('runtime/ports_exhausted', `No free port left in ${range.first}-${range.last} on ${request.host}`);
      }
      const port = next++;
      if (used.has(port) || !(await canBind(request.host, port))) continue;
      used.add(port);
      result[request.name] = port;
      break;
    }
  }
  return result;
}

/** True when nothing listens on host:port, which is what the server will need. */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
