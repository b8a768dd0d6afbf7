import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/platform/config.js';

const minimal = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', POLYAI_API_KEY: 'k' };

function configError(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('no error');
}

describe('parseConfig', () => {
  it('applies the defaults of spec §1', () => {
    const config = parseConfig(minimal);
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
    expect(config.port).toBe(3000);
    expect(config.polyai.baseUrl).toBe('https://api.us.poly.ai');
    expect(config.polyai.clientEnv).toBe('sandbox');
    expect(config.polyai.timeoutMs).toBe(30000);
    expect(config.logLevel).toBe('info');
    expect(config.storeUrl).toBe('sqlite://data/polychat.sqlite');
    expect(config.allowedChannels).toBeUndefined();
    expect(config.unredactedAudioUsers.size).toBe(0);
    expect(config.slack.appToken).toBeUndefined();
    expect(config.progressDelayMs).toBe(300);
    expect(parseConfig({ ...minimal, POLYCHAT_PROGRESS_DELAY_MS: '0' }).progressDelayMs).toBe(0);
  });

  it('checks suite schedules every 15 s unless POLYCHAT_SUITE_TICK_MS says otherwise, and rejects a bad value', () => {
    expect(parseConfig(minimal).suiteTickMs).toBe(15_000);
    expect(parseConfig({ ...minimal, POLYCHAT_SUITE_TICK_MS: '200' }).suiteTickMs).toBe(200);
    expect(configError({ ...minimal, POLYCHAT_SUITE_TICK_MS: '5' })).toContain(
      'POLYCHAT_SUITE_TICK_MS must be a whole number',
    );
  });

  it('derives the base URL from the region, and lets POLYAI_BASE_URL override it', () => {
    expect(parseConfig({ ...minimal, POLYAI_REGION: 'eu' }).polyai.baseUrl).toBe('https://api.eu.poly.ai');
    expect(
      parseConfig({ ...minimal, POLYAI_REGION: 'eu', POLYAI_BASE_URL: 'http://127.0.0.1:9/' }).polyai.baseUrl,
    ).toBe('http://127.0.0.1:9');
  });

  it('ends SLACK_API_URL with a slash, as the Web API client needs', () => {
    expect(parseConfig({ ...minimal, SLACK_API_URL: 'http://127.0.0.1:9/api' }).slack.apiUrl).toBe(
      'http://127.0.0.1:9/api/',
    );
    expect(parseConfig({ ...minimal, SLACK_API_URL: 'https://slack-gov.com/api/' }).slack.apiUrl).toBe(
      'https://slack-gov.com/api/',
    );
  });

  it('reads lists of channel and user IDs', () => {
    const config = parseConfig({
      ...minimal,
      POLYCHAT_ALLOWED_CHANNELS: 'C1, G2',
      POLYCHAT_UNREDACTED_AUDIO_USERS: 'U1,W2',
    });
    expect([...(config.allowedChannels ?? [])]).toEqual(['C1', 'G2']);
    expect([...config.unredactedAudioUsers]).toEqual(['U1', 'W2']);
  });

  it('keeps the port open after SIGTERM only when POLYCHAT_SHUTDOWN_DELAY_MS says so', () => {
    expect(parseConfig(minimal).shutdownDelayMs).toBe(0);
    expect(parseConfig({ ...minimal, POLYCHAT_SHUTDOWN_DELAY_MS: '5000' }).shutdownDelayMs).toBe(5000);
    expect(configError({ ...minimal, POLYCHAT_SHUTDOWN_DELAY_MS: '5s' })).toMatch(
      /^POLYCHAT_SHUTDOWN_DELAY_MS must be a whole number from 0 to 60000/,
    );
  });

  it('needs no signing secret in Socket Mode', () => {
    const config = parseConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', POLYAI_API_KEY: 'k' });
    expect(config.slack.appToken).toBe('xapp-1');
  });

  it.each([
    [{ SLACK_SIGNING_SECRET: 's', POLYAI_API_KEY: 'k' }, /^SLACK_BOT_TOKEN is required/],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', POLYAI_API_KEY: 'k' }, /^SLACK_SIGNING_SECRET is required/],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }, /^POLYAI_API_KEY is required/],
    [{ ...minimal, SLACK_BOT_TOKEN: 'xoxp-1' }, /^SLACK_BOT_TOKEN must start with "xoxb-"/],
    [{ ...minimal, SLACK_APP_TOKEN: 'abc' }, /^SLACK_APP_TOKEN must start with "xapp-"/],
    [{ ...minimal, PORT: 'eighty' }, /^PORT must be a whole number/],
    [{ ...minimal, POLYAI_CLIENT_ENV: 'prod' }, /^POLYAI_CLIENT_ENV must be one of sandbox, pre-release, live/],
    [{ ...minimal, POLYAI_TIMEOUT_MS: '-1' }, /^POLYAI_TIMEOUT_MS must be a whole number/],
    [{ ...minimal, LOG_LEVEL: 'verbose' }, /^LOG_LEVEL must be one of/],
    [{ ...minimal, STORE_URL: 'postgres://x' }, /^STORE_URL must be/],
    [{ ...minimal, SLACK_API_URL: 'not a url' }, /^SLACK_API_URL must be an http\(s\) URL/],
    [{ ...minimal, POLYCHAT_ALLOWED_CHANNELS: 'general' }, /^POLYCHAT_ALLOWED_CHANNELS has "general"/],
    [{ ...minimal, POLYAI_REGION: 'US East' }, /^POLYAI_REGION must be a region word/],
    [{ ...minimal, POLYCHAT_PROGRESS_DELAY_MS: 'soon' }, /^POLYCHAT_PROGRESS_DELAY_MS must be a whole number/],
  ])('stops with one line naming the variable: %o', (env, message) => {
    const error = configError(env as Record<string, string>);
    expect(error).toMatch(message);
    expect(error).not.toContain('\n');
  });
});
