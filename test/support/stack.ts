import { type AppEnv, type AppProcess, startApp, testEnv } from './app-process.js';
import { type FakeConversations, startFakeConversations } from './fake-conversations.js';
import { type FakePolyAI, startFakePolyAI } from './fake-polyai.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import { SlackDriver } from './slack-requests.js';

/** The app as a real process between a fake PolyAI and a fake Slack, with a driver for signed requests. */
export interface Stack {
  polyai: FakePolyAI;
  /** The Conversations API v3 (search, samples, watches). */
  conversations: FakeConversations;
  slack: FakeSlack;
  app: AppProcess;
  driver: SlackDriver;
  /** Starts another instance on the same fakes (and, with a shared STORE_URL, the same state). */
  startInstance(overrides?: AppEnv): Promise<{ app: AppProcess; driver: SlackDriver }>;
  stop(): Promise<void>;
}

export async function startStack(overrides: AppEnv = {}): Promise<Stack> {
  const polyai = await startFakePolyAI();
  const slack = await startFakeSlack();
  const conversations = await startFakeConversations();
  const v3: AppEnv = {
    POLYAI_PLATFORM_URL: conversations.url,
    POLYAI_ACCOUNT_ID: conversations.accountId,
    POLYAI_CONVERSATIONS_API_KEY: conversations.defaultKey,
  };
  const instances: AppProcess[] = [];
  const startInstance = async (more: AppEnv = {}) => {
    const app = await startApp({ env: testEnv({ polyai, slack }, { ...v3, ...overrides, ...more }) });
    instances.push(app);
    return { app, driver: new SlackDriver(app.url, undefined, { slack, defaultChannel: 'C1', defaultUser: 'U1' }) };
  };
  const first = await startInstance();
  return {
    polyai,
    conversations,
    slack,
    app: first.app,
    driver: first.driver,
    startInstance,
    async stop() {
      await Promise.all(instances.map((app) => (app.exitInfo === undefined ? app.stop().catch(() => {}) : undefined)));
      await Promise.all([polyai.close(), conversations.close(), slack.close()]);
    },
  };
}
