// The migrator's helpers the tests use beyond those src/types/modules.d.ts declares.
declare module '@hearth/db' {
  export function dropDatabase(databaseUrl: string): Promise<void>;
}
