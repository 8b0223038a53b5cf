import { connect } from 'node:net';
import { DriverError } from '../driver';

/**
 * A client of Prosody's admin shell over its unix socket (mod_admin_socket + mod_admin_shell,
 * what `prosodyctl shell` speaks): an XML stream in the namespace xmpp:prosody.im/admin, each
 * command a <repl-input> holding one line of the shell's Lua dialect, answered by zero or more
 * <repl-output> lines and one <repl-result> (type='error' when it failed).
 *
 * Access is the socket file's permissions: no password. Passwords sent through it never appear
 * in any process's argv.
 */

export interface ReplResult {
  readonly ok: boolean;
  /** Lines the command printed (<repl-output>). */
  readonly output: readonly string[];
  /** The <repl-result> text, e.g. "OK: User created" or "Error: User exists". */
  readonly message: string;
}

const STREAM_HEADER = "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='xmpp:prosody.im/admin' version='1.0'>";

/** Runs the commands one after the other on one connection. */
export async function runAdminCommands(socketPath: string, commands: readonly string[], timeoutMs = 10_000): Promise<ReplResult[]> {
  const socket = connect({ path: socketPath });
  socket.setEncoding('utf8');
  const parser = new AdminStreamParser();
  const waiting: Array<(event: ParsedEvent) => void> = [];
  const queued: ParsedEvent[] = [];
  let failure: Error | undefined;

  const deliver = (event: ParsedEvent) => {
    const next = waiting.shift();
    if (next) next(event);
    else queued.push(event);
  };
  socket.on('data', (chunk: string) => {
    try {
      for (const event of parser.feed(chunk)) deliver(event);
    } catch (error) {
      failure = error as Error;
      deliver({ type: 'closed' });
    }
  });
  socket.on('error', (error) => {
    failure = error;
    deliver({ type: 'closed' });
  });
  socket.on('close', () => deliver({ type: 'closed' }));

  const nextEvent = (deadline: number) =>
    new Promise<ParsedEvent>((resolve, reject) => {
      const ready = queued.shift();
      if (ready) return resolve(ready);
      const timer = setTimeout(() => reject(new DriverError('driver/admin_failed', `Prosody's admin socket did not answer within ${timeoutMs} ms`)), Math.max(0, deadline - Date.now()));
      waiting.push((event) => {
        clearTimeout(timer);
        resolve(event);
      });
    });

  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (error) =>
        reject(new DriverError('driver/unavailable', `Cannot reach Prosody's admin socket ${socketPath}: ${error.message}`)),
      );
    });
    socket.write(STREAM_HEADER);
    const results: ReplResult[] = [];
    for (const command of commands) {
      const deadline = Date.now() + timeoutMs;
      socket.write(`<repl-input>${escapeXml(command)}</repl-input>`);
      const output: string[] = [];
      for (;;) {
        const event = await nextEvent(deadline);
        if (event.type === 'output') {
          output.push(event.text);
        } else if (event.type === 'result') {
          results.push({ ok: !event.error, output, message: event.text });
          break;
        } else {
          // The command itself may hold a password: never quote it.
          throw new DriverError('driver/admin_failed', `Prosody's admin socket closed the stream${failure ? `: ${failure.message}` : ''}`);
        }
      }
    }
    socket.end('</stream:stream>');
    return results;
  } finally {
    socket.destroySoon();
  }
}

/** A Lua string literal for any text: every byte that isn't plainly safe becomes a \ddd escape. */
export function luaString(value: string): string {
  let out = '"';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9 .,_@+\-:=/]/.test(char) && byte < 0x80 ? char : `\\${byte.toString().padStart(3, '0')}`;
  }
  return out + '"';
}

/** `user:create("a@b", "pw")` with every argument a Lua string literal. */
export function shellCall(method: string, ...args: string[]): string {
  if (!/^[a-z0-9_]+:[a-z_]+$/.test(method)) throw new Error(`Not a shell method: ${method}`);
  return `${method}(${args.map(luaString).join(', ')})`;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[char]};`);
}

/**
 * Message text as an XMPP client will read it (the ejabberd driver uses it too): without what XML
 * can't carry (control characters, lone surrogates; a client would end its stream on them), and
 * with \n line ends (an XML parser makes \r\n and \r into \n anyway).
 */
export function xmlCharacters(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[^\t\n\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}

type ParsedEvent = { type: 'output'; text: string } | { type: 'result'; text: string; error: boolean } | { type: 'closed' };

/**
 * Just enough XML for the admin stream: the server's stream header, then flat elements whose
 * text is escaped (so it never contains '<'), then possibly an error and the stream's end.
 */
export class AdminStreamParser {
  private buffer = '';
  private opened = false;

  feed(chunk: string): ParsedEvent[] {
    this.buffer += chunk;
    const events: ParsedEvent[] = [];
    for (;;) {
      this.buffer = this.buffer.replace(/^\s+/, '');
      if (this.buffer.startsWith('<?')) {
        const end = this.buffer.indexOf('?>');
        if (end < 0) break;
        this.buffer = this.buffer.slice(end + 2);
        continue;
      }
      if (!this.opened) {
        const header = /^<stream:stream[^>]*>/.exec(this.buffer);
        if (!header) {
          if (this.buffer.startsWith('<stream:stream') || '<stream:stream'.startsWith(this.buffer)) break;
          throw new Error('unexpected data before the stream header');
        }
        this.opened = true;
        this.buffer = this.buffer.slice(header[0].length);
        continue;
      }
      if (this.buffer.startsWith('</stream:stream>')) {
        events.push({ type: 'closed' });
        this.buffer = '';
        break;
      }
      const element = /^<(repl-output|repl-result)((?:\s+[\w:-]+=(?:'[^']*'|"[^"]*"))*)\s*(?:\/>|>([^<]*)<\/\1>)/.exec(this.buffer);
      if (!element) {
        if (this.buffer.startsWith('<stream:error')) {
          const end = this.buffer.indexOf('</stream:error>');
          if (end < 0) break;
          events.push({ type: 'closed' });
          this.buffer = this.buffer.slice(end + '</stream:error>'.length);
          continue;
        }
        if (this.buffer.length > 1024 * 1024) throw new Error('admin stream element too long');
        break;
      }
      this.buffer = this.buffer.slice(element[0].length);
      const text = unescapeXml(element[3] ?? '');
      if (element[1] === 'repl-output') events.push({ type: 'output', text });
      else events.push({ type: 'result', text, error: /\btype=(['"])error\1/.test(element[2]) });
    }
    return events;
  }
}

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[entity]!;
  });
}
