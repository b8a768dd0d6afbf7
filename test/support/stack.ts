import { type AppEnv, type AppProcess, startApp, testEnv } from './app-process.js';
import { type FakePolyAI, startFakePolyAI } from './fake-polyai.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import { SlackDriver } from './slack-requests.js';

/** The app as a real process between a fake PolyAI and a fake Slack, with a driver for signed requests. */
export interface Stack {
  polyai: FakePolyAI;
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
  const instances: AppProcess[] = [];
  const startInstance = async (more: AppEnv = {}) => {
    const app = await startApp({ env: testEnv({ polyai, slack }, { ...overrides, ...more }) });
    instances.push(app);
    return { app, driver: new SlackDriver(app.url, undefined, { slack, defaultChannel: 'C1', defaultUser: 'U1' }) };
  };
  const first = await startInstance();
  return {
    polyai,
    slack,
    app: first.app,
    driver: first.driver,
    startInstance,
    async stop() {
      await Promise.all(instances.map((app) => (app.exitInfo === undefined ? app.stop().catch(() => {}) : undefined)));
      await Promise.all([polyai.close(), slack.close()]);
    },
  };
}
