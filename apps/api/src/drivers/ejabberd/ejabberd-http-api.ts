import { request } from 'node:http';

export interface ApiCredentials {
  readonly jid: string;
  readonly password: string;
}

/** An answer of mod_http_api other than 200: {status: "error", code, message}. */
export class EjabberdApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly apiCode: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'EjabberdApiError';
  }
}

/**
 * mod_http_api on the instance's loopback http port: POST /api/<command> with a JSON object
 * of arguments. Authenticated with HTTP basic auth of a JID and its password (ejabberd 23.01
 * accepts only ASCII there); api_permissions decides what that account may call.
 */
export class EjabberdHttpApi {
  constructor(
    private readonly port: number,
    private readonly credentials?: ApiCredentials,
    private readonly timeoutMs = 10_000,
  ) {}

  call<T = unknown>(command: string, args: Record<string, unknown> = {}): Promise<T> {
    if (!/^[a-z0-9_]+$/.test(command)) throw new Error(`Not an ejabberd command: ${command}`);
    const body = Buffer.from(JSON.stringify(args));
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': body.length };
    if (this.credentials) {
      headers.authorization = `Basic ${Buffer.from(`${this.credentials.jid}:${this.credentials.password}`).toString('base64')}`;
    }
    return new Promise<T>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: this.port, path: `/api/${command}`, method: 'POST', headers, agent: false, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              parsed = text;
            }
            if (res.statusCode === 200) return resolve(parsed as T);
            const error = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { code?: number; message?: string };
            reject(new EjabberdApiError(res.statusCode ?? 0, error.code, `ejabberd ${command}: ${error.message ?? `HTTP ${res.statusCode}`}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`ejabberd ${command}: no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
