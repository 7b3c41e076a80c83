// The package's entry point: `import { startServer, startHardenedServer } from 'redoubt'`.
export { startServer, type StartOptions, type RedoubtServer, type TlsFiles, type ClientTls, type ConfigValue } from './server.js';
export { startHardenedServer, type HardenedOptions, type HardenedServer, type Credentials } from './hardened.js';
