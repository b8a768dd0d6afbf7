import type { Logger as BoltLogger } from '@slack/bolt';
import { LogLevel as BoltLogLevel } from '@slack/bolt';
import { type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';
import { redactor } from './secrets.js';

export type { Logger };

/**
 * One JSON object a line on stdout. Every configured secret is scrubbed from the
 * final line, so a token that slips into a library's debug output never lands in logs.
 */
export function createLogger(level: LogLevel, secrets: readonly string[]): Logger {
  const redact = redactor(secrets);
  return pino({
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      streamWrite: redact,
    },
  });
}

const toBolt: Record<string, BoltLogLevel> = {
  debug: BoltLogLevel.DEBUG,
  info: BoltLogLevel.INFO,
  warn: BoltLogLevel.WARN,
  error: BoltLogLevel.ERROR,
};

/** Bolt and the Slack SDKs log through this adapter, so their lines are JSON too. */
export function boltLogger(logger: Logger, name = 'bolt'): BoltLogger {
  let child = logger.child({ component: name });
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]) => {
      // The SDKs log every request body at debug level: don't serialise what will not be written.
      if (!child.isLevelEnabled(level)) return;
      child[level](
        msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' '),
      );
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel: () => {},
    getLevel: () => toBolt[logger.level] ?? BoltLogLevel.INFO,
    setName: (n: string) => {
      child = logger.child({ component: n });
    },
  };
}
