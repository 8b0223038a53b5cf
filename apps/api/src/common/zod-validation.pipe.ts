import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { HearthError } from './hearth-error';

export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform {
  constructor(
    private readonly schema: S,
    private readonly where: 'body' | 'query' | 'params',
  ) {}

  transform(value: unknown): z.output<S> {
    const parsed = this.schema.safeParse(value ?? {});
    if (parsed.success) return parsed.data;
    const errors = parsed.error.issues.map((issue) => ({
      path: issue.path.join('.') || this.where,
      message: issue.message,
    }));
    const summary = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
    throw new HearthError('request/invalid', `Invalid ${this.where}: ${summary}`, { errors });
  }
}
