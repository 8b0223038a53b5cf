// Packages without type declarations, typed to the parts Hearth uses.

declare module 'swagger-ui-dist' {
  export function getAbsoluteFSPath(): string;
}

declare module '@hearth/db' {
  export function deployMigrations(options: { databaseUrl: string; migrationsDir?: string; log?: (line: string) => void }): Promise<string[]>;
  export function resetDatabase(options: { databaseUrl: string; migrationsDir?: string; log?: (line: string) => void }): Promise<unknown>;
}
