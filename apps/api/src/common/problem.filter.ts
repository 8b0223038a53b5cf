import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Problem } from '@hearth/contracts';
import { ERROR_CODES, type ErrorCode } from './error-codes';
import { HearthError } from './hearth-error';

/** Maps framework errors that reach us with a status onto our stable codes. */
function codeForStatus(status: number, err: { code?: string }): ErrorCode {
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return 'request/malformed_json';
  }
  switch (status) {
    case 404: return 'request/route_not_found';
    case 405: return 'request/method_not_allowed';
    case 413: return 'request/too_large';
    case 415: return 'request/unsupported_media_type';
    case 401: return 'auth/unauthenticated';
    case 403: return 'auth/forbidden';
    case 503: return 'service/unavailable';
    default: return status >= 400 && status < 500 ? 'request/invalid' : 'internal/error';
  }
}

export function toProblem(error: unknown): { problem: Problem; headers: Record<string, string> } {
  if (error instanceof HearthError) {
    const problem: Problem = {
      type: `https://hearth.chat/errors/${error.code}`,
      title: ERROR_CODES[error.code].title,
      status: error.status,
      code: error.code,
      detail: error.detail ?? ERROR_CODES[error.code].title,
    };
    if (error.extras.errors) problem.errors = error.extras.errors;
    return { problem, headers: error.extras.headers ?? {} };
  }
  const err = error as { statusCode?: number; code?: string; message?: string; cause?: { code?: string } };
  const status = error instanceof HttpException ? error.getStatus() : err.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Nest wraps Fastify's body-parser errors; the Fastify code survives as the cause.
    const code = codeForStatus(status, { code: err.code ?? err.cause?.code });
    // Framework 4xx messages describe the request (e.g. "Unexpected token } in JSON"), never secrets.
    return toProblem(new HearthError(code, err.message ?? ERROR_CODES[code].title));
  }
  return toProblem(new HearthError('internal/error'));
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const { problem, headers } = toProblem(error);
    if (problem.status >= 500) {
      this.logger.error({ msg: 'request failed', requestId: request.id, route: request.routeOptions?.url, error: describe(error) });
    }
    void reply.status(problem.status).headers(headers).type('application/problem+json').send(problem);
  }
}

/** The error's class, message and stack: messages of our own errors never carry secrets. */
function describe(error: unknown): Record<string, unknown> {
  return error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { value: String(error) };
}
