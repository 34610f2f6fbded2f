// Structured logging (pino). Secrets never reach a log line: Authorization headers, passwords and
// credential secrets are redacted by path, and code logs outcomes, not inputs.
import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';

export type Logger = PinoLogger;

export const redactPaths = [
  'password',
  'secret',
  'newPassword',
  '*.password',
  '*.secret',
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { app: 'carbonio-mobile' },
    redact: { paths: redactPaths, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const silentLogger = (): Logger => pino({ level: 'silent' });
