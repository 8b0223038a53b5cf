// Loads Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm).
//
// Why: `prisma migrate` needs a native schema-engine binary that Prisma downloads
// at first use; our build and CI machines cannot reach that host. The very same
// engine is published on npm as a wasm-bindgen "bundler" build, which Node cannot
// import directly (it expects a bundler to resolve `import * as wasm from "x.wasm"`).
// So we compile the .wasm ourselves, hand it the glue module's exports as imports,
// and start it exactly like the bundler entry point (`schema_engine.js`) would.
//
// The engine is heavy (5 MB of wasm), so it is loaded lazily and once per process:
// deploying already-applied migrations never comes here.
import { readFile } from 'node:fs/promises';

let loading = null;

/** Captures the last Rust panic message, which the glue reports through this global. */
class PanicRegistry {
  message = '';
  set_message(message) {
    this.message = `RuntimeError: ${message}`;
  }
  get() {
    return this.message;
  }
}

async function instantiate() {
  // The package only exports its glue modules, so locate the .wasm next to the glue.
  // The glue keeps the wasm instance in module state: we must use that same module.
  const glueUrl = import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const glue = await import(glueUrl);
  const bytes = await readFile(new URL('schema_engine_bg.wasm', glueUrl));
  const module = await WebAssembly.compile(bytes);
  // Every import of the module is named after the glue file; give it the glue's exports.
  const importModules = {};
  for (const { module: name } of WebAssembly.Module.imports(module)) importModules[name] = glue;
  const instance = await WebAssembly.instantiate(module, importModules);
  globalThis.PRISMA_WASM_PANIC_REGISTRY ??= new PanicRegistry();
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return glue;
}

/** Returns the engine's JS module (SchemaEngine class, version()), loading it on first call. */
export function loadSchemaEngineModule() {
  loading ??= instantiate().catch((error) => {
    loading = null;
    throw error;
  });
  return loading;
}

/** The last panic message from inside the engine, if any (wasm panics surface as "unreachable"). */
export function lastEnginePanic() {
  return globalThis.PRISMA_WASM_PANIC_REGISTRY?.get?.() ?? '';
}
