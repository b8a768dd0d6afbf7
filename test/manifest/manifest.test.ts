import { readFileSync } from 'node:fs';
import type { App } from '@slack/bolt';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registerListeners } from '../../src/slack-in/listeners/index.js';
import type { Services } from '../../src/slack-in/services.js';

interface Manifest {
  features: {
    slash_commands: Array<{ command: string; should_escape?: boolean }>;
    shortcuts?: Array<{ callback_id: string; type: string }>;
    app_home?: { home_tab_enabled?: boolean };
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { bot_events: string[]; request_url?: string };
    interactivity: { is_enabled: boolean; request_url?: string };
    socket_mode_enabled: boolean;
  };
}

const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as Manifest;
const schema = JSON.parse(readFileSync(new URL('./slack-manifest.schema.json', import.meta.url), 'utf8')) as object;

/** Everything the code registers with Bolt, captured by a stand-in App. */
function registrations() {
  const seen = {
    commands: [] as string[],
    events: [] as string[],
    shortcuts: [] as string[],
    actions: [] as string[],
    views: [] as string[],
  };
  const record = (list: string[]) => (id: unknown) => {
    const value = typeof id === 'string' ? id : JSON.stringify(id);
    list.push(value);
  };
  const app = {
    command: record(seen.commands),
    event: record(seen.events),
    shortcut: (id: unknown) =>
      record(seen.shortcuts)(typeof id === 'object' && id !== null ? (id as { callback_id: string }).callback_id : id),
    action: record(seen.actions),
    view: (id: unknown) =>
      record(seen.views)(typeof id === 'object' && id !== null ? (id as { callback_id: string }).callback_id : id),
    use: () => {},
    error: () => {},
  };
  registerListeners(app as unknown as App, {} as Services);
  return seen;
}

/** The bot events that deliver each Events API type the code listens to. */
const EVENT_SUBSCRIPTIONS: Record<string, string[]> = {
  message: ['message.channels', 'message.groups'],
  app_mention: ['app_mention'],
  app_home_opened: ['app_home_opened'],
};

const SCOPES_FOR_EVENT: Record<string, string> = {
  'message.channels': 'channels:history',
  'message.groups': 'groups:history',
  app_mention: 'app_mentions:read',
};

describe('manifest.yml', () => {
  it("is valid against Slack's manifest schema", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(manifest), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('the schema check can fail: a manifest without display_information is rejected', () => {
    const ajv = new Ajv({ strict: false });
    addFormats.default(ajv);
    const { display_information: _dropped, ...broken } = manifest as unknown as Record<string, unknown>;
    expect(ajv.compile(schema)(broken)).toBe(false);
  });

  it('declares the slash command the code registers, with escaping on', () => {
    const { commands } = registrations();
    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual([...new Set(commands)].sort());
    expect(manifest.features.slash_commands.every((c) => c.should_escape === true)).toBe(true);
  });

  it('declares exactly the message shortcuts the code registers', () => {
    const { shortcuts } = registrations();
    const declared = (manifest.features.shortcuts ?? []).map((s) => s.callback_id).sort();
    expect(declared).toEqual([...new Set(shortcuts)].sort());
  });

  it('subscribes to every event the code listens to, with the scopes those events need', () => {
    const { events } = registrations();
    const bot = manifest.settings.event_subscriptions.bot_events;
    for (const event of events) {
      const needed = EVENT_SUBSCRIPTIONS[event];
      expect(needed, `no known subscription for ${event}`).toBeDefined();
      for (const subscription of needed ?? []) {
        expect(bot).toContain(subscription);
        const scope = SCOPES_FOR_EVENT[subscription];
        if (scope !== undefined) expect(manifest.oauth_config.scopes.bot).toContain(scope);
      }
    }
    if (events.includes('app_home_opened')) expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
  });

  it('has the scopes that posting, reactions, commands, uploads, reading shared suite files and unredacted audio DMs need', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining([
        'chat:write',
        'chat:write.customize',
        'commands',
        'reactions:write',
        'files:write',
        'files:read',
        'im:write',
      ]),
    );
  });

  it('can receive events and interactivity: Socket Mode, or request URLs', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    if (!manifest.settings.socket_mode_enabled) {
      expect(manifest.settings.event_subscriptions.request_url).toMatch(/^https:\/\/.+\/slack\/events$/);
      expect(manifest.settings.interactivity.request_url).toMatch(/^https:\/\/.+\/slack\/events$/);
    }
  });
});
