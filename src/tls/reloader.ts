// The TLS side of the server over time: the endpoint built from the tls-* directives, rebuilt when
// CONFIG SET changes one of them, and re-read when its files change (tls-auto-reload-interval).
// A reload that fails keeps the previous context in use.
import type { Config } from '../config/config.js';
import type { Logger } from '../server/log.js';
import { loadTlsMaterial, materialChanged, TLS_CONTEXT_CONFIGS, TlsConfigError, type TlsMaterial } from './context.js';
import { type EndpointHooks, TlsEndpoint } from './endpoint.js';

export class TlsReloader {
  /** The TLS side of the TLS listeners; null while there is no TLS port. */
  endpoint: TlsEndpoint | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** The last auto-reload failure logged (logged once until it changes). */
  private lastError = '';
  /** The tls-* values the current endpoint was built from. */
  private builtFrom = '';

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    private readonly hooks: EndpointHooks,
  ) {
    // CONFIG SET of a tls-* directive rebuilds the TLS context; a failure throws, and CONFIG SET
    // restores the previous values and replies with the reason.
    for (const name of TLS_CONTEXT_CONFIGS) config.onChange(name, () => this.reload());
    config.onChange('tls-session-cache-size', (v) => {
      if (this.endpoint !== null) this.endpoint.sessions.size = v as number;
    });
    config.onChange('tls-auto-reload-interval', () => this.startAutoReload());
  }

  /** Reads and checks the TLS files; throws an Error naming the file and the problem. */
  private material(): TlsMaterial {
    try {
      return loadTlsMaterial(this.config, Date.now());
    } catch (e) {
      if (e instanceof TlsConfigError) throw new Error(`Unable to update TLS configuration: ${e.message}`);
      throw e;
    }
  }

  /** The current tls-* values, to compare with those the endpoint was built from. */
  private settings(): string {
    return JSON.stringify(TLS_CONTEXT_CONFIGS.map((n) => this.config.get(n)));
  }

  /**
   * Rebuilds the TLS context from the current config (no-op without a TLS port, or when the
   * values are those of the context in use: a CONFIG SET of several tls-* directives rebuilds
   * once, and its roll-back after a failure has nothing to rebuild). `force` re-reads the files
   * anyway (CONFIG SET of a tls-* file to its current path, as Redis does). Throws on bad material.
   */
  reload(force = false): void {
    if (this.endpoint === null || (!force && this.settings() === this.builtFrom)) return;
    let m: TlsMaterial;
    try {
      m = this.material();
    } catch (e) {
      this.log.warning(`${(e as Error).message}. The previous TLS configuration stays in use.`);
      throw e;
    }
    this.endpoint.reload(m);
    this.builtFrom = this.settings();
    this.lastError = '';
    this.log.notice(`TLS configuration reloaded: ${m.summary}`);
  }

  /** The endpoint, built on first use (the first TLS port); throws on bad material. */
  ensure(): TlsEndpoint {
    if (this.endpoint !== null) return this.endpoint;
    const m = this.material();
    this.builtFrom = this.settings();
    this.endpoint = new TlsEndpoint(m, this.hooks, this.config.num('tls-session-cache-size'), () => Date.now());
    this.log.notice(`TLS: ${m.summary}; client certificates ${m.clientAuth === 'yes' ? 'required' : m.clientAuth === 'optional' ? 'optional' : 'not requested'}`);
    this.startAutoReload();
    return this.endpoint;
  }

  /** tls-auto-reload-interval: checks the TLS files every so many seconds and reloads changed ones. */
  private startAutoReload(): void {
    this.stop();
    const sec = this.config.num('tls-auto-reload-interval');
    if (sec <= 0 || this.endpoint === null) return;
    this.timer = setInterval(() => this.autoReload(), sec * 1000);
    this.timer.unref();
  }

  /** One auto-reload check: reloads when a TLS file changed; a bad new file is logged once and the old context kept. */
  autoReload(): boolean {
    if (this.endpoint === null || !materialChanged(this.endpoint.current)) return false;
    let m: TlsMaterial;
    try {
      m = this.material();
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== this.lastError) this.log.warning(`TLS auto-reload: ${msg}. The previous TLS configuration stays in use.`);
      this.lastError = msg;
      return false;
    }
    this.endpoint.reload(m);
    this.lastError = '';
    this.log.notice(`TLS auto-reload: changed files read, ${m.summary}`);
    return true;
  }

  /** Stops the auto-reload timer (server close). */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
