/**
 * The same flow as polychat's debug chats in plain Bolt, for comparison in `npm run bench`:
 * `/polychat` starts a chat, a reply in its thread goes to PolyAI and the answer is posted.
 * No state store, no per-thread order, no progress reaction, no retries, no logs.
 */
import bolt from '@slack/bolt';

const env = (name: string) => process.env[name] ?? '';
const polyai = (path: string, body: Record<string, string>) =>
  fetch(`${env('POLYAI_BASE_URL')}/v1/agents/${env('POLYAI_AGENT_ID')}/debug-chat${path}`, {
    method: 'POST',
    headers: { 'X-API-KEY': env('POLYAI_API_KEY'), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  }).then((response) => response.json() as Promise<{ conversationId: string; response: string }>);

const conversations = new Map<string, string>();
const app = new bolt.App({
  token: env('SLACK_BOT_TOKEN'),
  signingSecret: env('SLACK_SIGNING_SECRET'),
  clientOptions: { slackApiUrl: env('SLACK_API_URL') },
  customRoutes: [
    {
      path: '/healthz',
      method: ['GET'],
      handler: (_req, res) => {
        res.writeHead(200);
        res.end('ok');
      },
    },
  ],
});

app.command('/polychat', async ({ ack, command, client }) => {
  await ack();
  const root = await client.chat.postMessage({ channel: command.channel_id, text: 'Debug chat starting' });
  const greeting = await polyai('', { clientEnv: 'sandbox' });
  conversations.set(`${command.channel_id}:${root.ts}`, greeting.conversationId);
  await client.chat.postMessage({ channel: command.channel_id, thread_ts: root.ts, text: greeting.response });
});

app.event('message', async ({ event, client }) => {
  if (event.subtype !== undefined || event.thread_ts === undefined) return;
  const conversationId = conversations.get(`${event.channel}:${event.thread_ts}`);
  if (conversationId === undefined) return;
  const answer = await polyai(`/${conversationId}`, { clientEnv: 'sandbox', message: event.text ?? '' });
  await client.chat.postMessage({ channel: event.channel, thread_ts: event.thread_ts, text: answer.response });
});

await app.start(Number(env('PORT')));
