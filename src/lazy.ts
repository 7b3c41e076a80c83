// A CommonJS dependency loaded on first use, not at start-up: node-forge (certificates) and
// prom-client (the metrics endpoint) cost tens of milliseconds to load, and most servers need
// neither (a server's start and `import 'redoubt'` are measured by the benchmark).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyRequire<T>(name: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= require(name) as T);
}
