// The driver adapter the wasm schema engine talks to PostgreSQL through: @prisma/adapter-pg
// with three defects of version 7.10.1 worked around. All three bite under the
// schema engine (introspection, shadow databases, hand-written SQL):
//
// 1. Introspection reads catalog columns of PostgreSQL's internal types "char" (OID 18,
//    e.g. pg_class.relkind, pg_constraint.contype) and name (OID 19). The adapter has no
//    mapping for "char" (nor for name[]) and fails with "Column type 'char' could not be
//    deserialized". They are plain strings, so our pg.Client subclass reports them as text.
// 2. executeScript() splits a script on every ";" — including the ones inside
//    dollar-quoted function bodies and string literals — so a migration that creates a
//    trigger function cannot be replayed on the shadow database. We send the script
//    whole through the simple-query protocol instead (one implicit transaction, as the
//    native engine does).
// 3. connectToShadowDb() spreads `{ ...config, database }`, but pg lets a connectionString
//    win over `database`, so the "shadow" pool silently points at the main database.
//    It also drops the shadow database before ending its own pool, which fails while
//    connections are open. We create the shadow database ourselves, give the engine a
//    pool on it, and drop it (WITH (FORCE)) after the pool is closed.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { createScratchDatabase, dropDatabase } from './database-url.mjs';

// Internal string types -> the OID the adapter should believe: text (25) or text[] (1009).
// pg has already parsed the values (as strings / arrays of strings) by the time we relabel.
const REPORTED_AS = new Map([
  [18, 25], // "char"
  [19, 25], // name
  [1003, 1009], // name[]
]);

function reportInternalTypesAsText(result) {
  for (const one of Array.isArray(result) ? result : [result]) {
    for (const field of one?.fields ?? []) {
      const replacement = REPORTED_AS.get(field.dataTypeID);
      if (replacement) field.dataTypeID = replacement;
    }
  }
  return result;
}

/** pg.Client whose results describe "char" and name columns as text (defect 1). */
class CatalogFriendlyClient extends pg.Client {
  query(config, values, callback) {
    if (config && typeof config.submit === 'function') return super.query(config, values, callback);
    if (typeof values === 'function') {
      return super.query(config, (error, result) => values(error, error ? result : reportInternalTypesAsText(result)));
    }
    if (typeof callback === 'function') {
      return super.query(config, values, (error, result) =>
        callback(error, error ? result : reportInternalTypesAsText(result)),
      );
    }
    return super.query(config, values).then(reportInternalTypesAsText);
  }
}

async function connectAdapter(connectionString) {
  // A small pool: the engine works sequentially, and shadow databases come and go.
  const factory = new PrismaPg({ connectionString, Client: CatalogFriendlyClient, max: 4 });
  const adapter = await factory.connect();
  // Defect 2: run the script in one round trip instead of splitting it on ";".
  adapter.executeScript = async (script) => {
    try {
      await adapter.underlyingDriver().query(script);
    } catch (error) {
      adapter.onError(error); // converts to the DriverAdapterError the engine understands
    }
  };
  return adapter;
}

/**
 * A migration-aware adapter factory for `databaseUrl`, with shadow databases created
 * next to it on the same server. Call close() when the engine is done: it drops any
 * shadow database the engine did not dispose of.
 */
export function createAdapterFactory(databaseUrl) {
  // Everything still open, so close() can clean up whatever the engine left behind.
  const openAdapters = new Set();
  const track = (adapter, afterDispose) => {
    const disposePool = adapter.dispose.bind(adapter);
    let disposed = null;
    adapter.dispose = () => {
      disposed ??= (async () => {
        openAdapters.delete(adapter);
        await disposePool(); // close our connections first (defect 3) ...
        await afterDispose?.(); // ... then drop the shadow database
      })();
      return disposed;
    };
    openAdapters.add(adapter);
    return adapter;
  };
  const factory = {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: async () => track(await connectAdapter(databaseUrl)),
    async connectToShadowDb() {
      const shadowUrl = await createScratchDatabase(databaseUrl, 'hearth_shadow');
      try {
        return track(await connectAdapter(shadowUrl), () => dropDatabase(shadowUrl));
      } catch (error) {
        await dropDatabase(shadowUrl).catch(() => {});
        throw error;
      }
    },
  };
  return {
    bound: bindMigrationAwareSqlAdapterFactory(factory),
    async close() {
      await Promise.allSettled([...openAdapters].map((adapter) => adapter.dispose()));
    },
  };
}
