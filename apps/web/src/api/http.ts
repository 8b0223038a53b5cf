import { HttpError } from 'react-admin';
import type { Problem } from '@hearth/contracts';

type QueryValue = string | number | boolean | null | undefined;

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
  /** Error statuses whose JSON body is still the answer (e.g. health reports 503 with details). */
  acceptStatuses?: number[];
}

/** What an HttpError thrown by `api` carries in `body`. */
export interface ApiErrorBody {
  code?: string;
  /** Field path → message, the shape react-admin forms show under each input. */
  errors?: Record<string, string>;
  /** From Retry-After on 429 answers. */
  retryAfterSeconds?: number;
}

/**
 * Calls the Hearth API on this origin. The session is an httpOnly cookie the browser sends
 * by itself, so nothing here reads or stores a credential.
 */
export async function api<T>(path: string, request: ApiRequest = {}): Promise<T> {
  const text = await send(path, request, 'application/json');
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Like `api`, for an answer that is a document rather than JSON (e.g. Markdown): its text as sent. */
export function apiText(path: string, accept: string, request: ApiRequest = {}): Promise<string> {
  return send(path, request, accept);
}

async function send(path: string, request: ApiRequest, accept: string): Promise<string> {
  const { method = 'GET', query, body, signal, acceptStatuses = [] } = request;
  const headers: Record<string, string> = { Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`/api${path}${queryString(query)}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    signal,
  });
  if (!response.ok && !acceptStatuses.includes(response.status)) throw await toHttpError(response);
  return response.text();
}

function queryString(query: ApiRequest['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const encoded = params.toString();
  return encoded ? `?${encoded}` : '';
}

async function toHttpError(response: Response): Promise<HttpError> {
  const problem = await readProblem(response);
  const fallback = response.status === 403 ? 'ra.notification.not_authorized' : 'ra.notification.http_error';
  const body: ApiErrorBody = {
    code: problem?.code,
    errors: fieldErrors(problem?.errors),
    retryAfterSeconds: retryAfterSeconds(response.headers.get('Retry-After')),
  };
  return new HttpError(problem?.detail ?? problem?.title ?? fallback, response.status, body);
}

async function readProblem(response: Response): Promise<Problem | undefined> {
  try {
    return (await response.json()) as Problem;
  } catch {
    return undefined;
  }
}

function fieldErrors(errors: Problem['errors']): Record<string, string> | undefined {
  const byField = Object.fromEntries((errors ?? []).filter((e) => e.path).map((e) => [e.path, e.message]));
  return Object.keys(byField).length > 0 ? byField : undefined;
}

function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
