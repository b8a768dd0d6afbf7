import type { CompletedFile, ResponseUrlPost, SlackCall, UploadRecord } from '../support/fake-slack.js';
import { inputValue, type ViewStateValues } from '../support/slack-requests.js';
import type { Stack } from '../support/stack.js';
import { waitUntil } from '../support/wait.js';

/** Everything a response_url post said, blocks included. */
export function responseText(post: ResponseUrlPost): string {
  return JSON.stringify(post.body);
}

/** The ephemeral replies sent to one slash command's or button's response_url. */
export function repliesTo(stack: Stack, responseUrl: string): ResponseUrlPost[] {
  return stack.slack.responses.filter((r) => responseUrl.endsWith(`/${r.id}`));
}

export function replyTo(stack: Stack, responseUrl: string, predicate: (text: string) => boolean = () => true) {
  return stack.slack.waitForResponse((r) => responseUrl.endsWith(`/${r.id}`) && predicate(responseText(r)));
}

/** A modal the app opened or updated, found by its callback ID (or any text in it), newest first. */
export function modalCall(stack: Stack, predicate: (view: Record<string, unknown>) => boolean, after = 0) {
  return waitUntil(
    () =>
      stack.slack.calls
        .filter((c) => (c.method === 'views.open' || c.method === 'views.update') && c.at > after)
        .reverse()
        .find((c) => predicate(viewOf(c))),
    5000,
    20,
    'a matching modal',
  );
}

export function viewOf(call: SlackCall): Record<string, unknown> {
  return (call.args.view ?? {}) as Record<string, unknown>;
}

/** The ID Slack gave the modal: from views.open's answer, or the view_id that was updated. */
export function viewIdOf(call: SlackCall): string {
  if (typeof call.args.view_id === 'string') return call.args.view_id;
  return String((call.response.view as { id?: string } | undefined)?.id);
}

/** The input block's element (by block ID) of a built view. */
export function elementOf(view: Record<string, unknown>, blockId: string): Record<string, unknown> | undefined {
  const blocks = (view.blocks ?? []) as Array<{ block_id?: string; element?: Record<string, unknown> }>;
  return blocks.find((b) => b.block_id === blockId)?.element;
}

/** Modal input values as Slack submits them; text inputs, numbers and selects by block ID. */
export function formValues(fields: {
  text?: Record<string, string | null>;
  numbers?: Record<string, string | null>;
  selects?: Record<string, string>;
}): ViewStateValues {
  const values: ViewStateValues = {};
  for (const [block, value] of Object.entries(fields.text ?? {}))
    values[block] = { value: inputValue.plainText(value) };
  for (const [block, value] of Object.entries(fields.numbers ?? {}))
    values[block] = { value: inputValue.number(value) };
  for (const [block, value] of Object.entries(fields.selects ?? {}))
    values[block] = { value: inputValue.staticSelect(value) };
  return values;
}

/** A completed upload of this file name: what was shared where, and the bytes Slack received. */
export async function uploadNamed(
  stack: Stack,
  filename: string,
): Promise<{ file: CompletedFile; upload: UploadRecord }> {
  return waitUntil(
    () => {
      const pending = [...stack.slack.files.values()].find((f) => f.filename === filename && f.completed !== undefined);
      const upload = pending === undefined ? undefined : stack.slack.uploads.get(pending.fileId);
      return pending?.completed !== undefined && upload !== undefined ? { file: pending.completed, upload } : undefined;
    },
    10_000,
    20,
    `a completed upload of ${filename}`,
  );
}
