import type { ListQuery } from '@hearth/contracts';

/** Prisma paging and ordering from the list conventions (page/perPage/sort/order). */
export function pageArgs(query: ListQuery, sortField: string): { skip: number; take: number; orderBy: Record<string, 'asc' | 'desc'> } {
  return {
    skip: (query.page - 1) * query.perPage,
    take: query.perPage,
    orderBy: { [sortField]: query.order === 'ASC' ? 'asc' : 'desc' },
  };
}

export function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}
