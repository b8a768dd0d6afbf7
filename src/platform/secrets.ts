import type { Config } from './config.js';

export const REDACTED = '[redacted]';

/** Shorter values are not worth scrubbing (and would scrub ordinary words). */
const MIN_SECRET_LENGTH = 6;

/** Every secret of spec §1 that is set: Slack's tokens and signing secret, and every PolyAI key. */
export function configuredSecrets(config: Config): string[] {
  const v3 = config.conversations;
  return [
    config.slack.botToken,
    config.slack.signingSecret,
    config.slack.appToken,
    config.polyai.apiKey,
    v3?.defaultKey,
    ...(v3 === undefined ? [] : v3.keys.values()),
  ].filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH);
}

/**
 * Every form in which a secret may appear in text polychat sends, longest first: as it is,
 * inside a JSON string (blocks are JSON) and as Slack escapes `&`, `<`, `>`.
 */
export function secretForms(secrets: readonly string[]): string[] {
  const slackEscaped = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const jsonEscaped = (s: string) => JSON.stringify(s).slice(1, -1);
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of [secret, jsonEscaped(secret), slackEscaped(secret), jsonEscaped(slackEscaped(secret))]) {
      forms.add(form);
    }
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

/** A function that replaces every secret in a text, in any of its forms, by `[redacted]`. */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const ordered = secretForms(secrets);
  if (ordered.length === 0) return (text) => text;
  return (text) => ordered.reduce((out, form) => (out.includes(form) ? out.split(form).join(REDACTED) : out), text);
}
