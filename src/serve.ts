// The server process, for `carbonio serve` (src/cli/main.ts) and `npm start` (src/main.ts): load the
// configuration, start every listener, stop cleanly on SIGTERM/SIGINT (stop accepting, finish what is in
// flight, close the store), reload the certificate on SIGHUP.
import { startApp } from './app.js';
import { adminCredentialsFile } from './bootstrap.js';
import { loadConfig, redactUrl } from './config.js';
import { ConfigError, errorMessage } from './core/errors.js';
import { createLogger } from './core/logger.js';
import { prettyDestination } from './core/log-pretty.js';
import { startupFailure } from './startup-errors.js';

const SHUTDOWN_GRACE_MS = 10_000;

export async function serve(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`carbonio: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // Everything the server writes (SQLite database, WAL, admin credentials) is for its own user only.
  process.umask(0o077);
  const log = createLogger(config.logLevel, config.logFormat === 'pretty' ? prettyDestination() : undefined);
  // Signals are taken from the "starting" line on: one that comes while the store and listeners open (even
  // after the "listening" line, before start-up returns) waits for them, then stops cleanly, instead of
  // killing the process half-started; a second signal before then exits at once.
  let ready: ((signal: string) => void) | null = null;
  let early: string | null = null;
  const onSignal = (signal: string): void => {
    if (ready) ready(signal);
    else if (early) process.exit(1); // a second one while starting (a start stuck on its database): at once
    else early = signal;
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  log.info({ db: config.db.kind === 'postgres' ? redactUrl(config.db.url) : config.db.file, dataDir: config.dataDir }, 'starting');
  let app;
  try {
    app = await startApp(config, log);
  } catch (err) {
    // One line an operator can act on (which variable to change, which database is unreachable), then a
    // non-zero exit so that systemd or docker report the failed start.
    const line = startupFailure(err, config);
    log.fatal({ err: { message: errorMessage(err) } }, line);
    process.stderr.write(`carbonio: could not start: ${line}\n`);
    process.exit(1);
  }
  if (app.bootstrap.generatedPassword && process.stdout.isTTY) {
    // Shown once, on the terminal only: when standard output is a log pipe (systemd, docker) the
    // password stays in the 0600 file that the log line names, for the CLI.
    process.stdout.write(
      `\nFirst start: created global admin ${app.bootstrap.adminEmail}\n` +
      `  password: ${app.bootstrap.generatedPassword}\n` +
      `  (saved to ${adminCredentialsFile(config.dataDir)}, mode 0600; the carbonio CLI reads it from there)\n\n`,
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  // SIGHUP: read the certificate files again (after a renewal); connections and held Pings stay.
  process.on('SIGHUP', () => {
    if (!app.tls) log.info('SIGHUP: no TLS certificate configured; nothing to reload');
    else app.reloadTls();
  });
  ready = stop;
  if (early) stop(early);
}
