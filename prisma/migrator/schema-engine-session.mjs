// One use of the wasm schema engine: load it, connect it to PostgreSQL through our patched
// adapter, run a few commands, then free it and drop any shadow database left over.
import { readFile } from 'node:fs/promises';
import { createAdapterFactory } from './pg-adapter-factory.mjs';
import { lastEnginePanic, loadSchemaEngineModule } from './wasm-schema-engine.mjs';

/** The `filters` argument most engine commands take: nothing is externally managed. */
export const NO_FILTER = { externalTables: [], externalEnums: [] };

/** A schema file in the engine's SchemasContainer shape. */
export async function schemaFiles(schemaPath) {
  return { files: [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }] };
}

/** Engine errors arrive as plain objects or terse Errors; turn them into readable Errors. */
function engineError(error) {
  if (error instanceof Error && !/unreachable/i.test(error.message)) {
    // Drop the Rust span trace ("   0: schema_engine_wasm::...") appended to messages.
    error.message = error.message.replace(/\n\s+0: [\s\S]*$/, '').trim();
    return error;
  }
  const panic = lastEnginePanic();
  const message =
    (error && typeof error === 'object' && (error.message ?? error.error ?? JSON.stringify(error))) || String(error);
  const wrapped = new Error(`Schema engine: ${message}${panic ? ` (${panic})` : ''}`);
  wrapped.cause = error;
  return wrapped;
}

/**
 * Runs fn(engine) with a SchemaEngine connected to `databaseUrl`. `log` receives the
 * engine's own log lines (JSON strings) when given.
 */
export async function withSchemaEngine({ databaseUrl, schemaPath, log }, fn) {
  const { SchemaEngine } = await loadSchemaEngineModule();
  const adapters = createAdapterFactory(databaseUrl);
  const datamodels = schemaPath ? [[schemaPath, await readFile(schemaPath, 'utf8')]] : undefined;
  let engine;
  try {
    engine = await SchemaEngine.new({ datamodels }, (line) => log?.(line), adapters.bound);
    return await fn(engine);
  } catch (error) {
    throw engineError(error);
  } finally {
    engine?.free();
    await adapters.close();
  }
}
