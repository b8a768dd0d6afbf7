/** Slack's limit on a section block's text; a message is split into chunks of at most this. */
export const SECTION_TEXT_LIMIT = 3000;

/**
 * Makes text from outside (the agent, PolyAI) safe to show: `&`, `<` and `>` are Slack's
 * control characters, so escaping them turns `<!channel>`, `<@U…>` and `<url|label>` into
 * plain text that is shown as written but pings nobody.
 */
export function escapeText(text: unknown): string {
  return shown(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A value from upstream as text, whatever its type (spec §6: shown as it is): a string as
 * written, a number or boolean written out, an object or list as JSON, null and undefined as
 * nothing.
 */
export function shown(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** Inline code for untrusted text: escaped, and without backticks that would end the span. */
export function code(text: unknown): string {
  return `\`${escapeText(text).replace(/`/g, "'")}\``;
}

/**
 * What a person typed in Slack, as plain text for the agent: mentions and links lose
 * their markup and entities are decoded.
 */
export function slackToPlain(text: string): string {
  return text
    .replace(/<([@#!])([^>|]+)(?:\|([^>]*))?>/g, (_m, sigil: string, id: string, label?: string) =>
      sigil === '!' ? `@${label ?? id.split('^')[0]}` : `${sigil}${label ?? id}`,
    )
    .replace(/<([^>|]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<([^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

/**
 * Splits text into chunks of at most `limit` characters, preferring paragraph, line, then
 * word boundaries, and never cutting an escape sequence such as `&amp;` in two.
 */
export function splitText(text: string, limit = SECTION_TEXT_LIMIT): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    let cut = Math.max(window.lastIndexOf('\n\n'), window.lastIndexOf('\n'));
    if (cut < limit / 2) cut = window.lastIndexOf(' ');
    if (cut < limit / 2) {
      cut = limit;
      const amp = window.lastIndexOf('&');
      if (amp > limit - 6 && !window.slice(amp).includes(';')) cut = amp;
    }
    chunks.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^\s+/, '');
  }
  if (rest.length > 0 || chunks.length === 0) chunks.push(rest);
  return chunks;
}

/** Cuts text to `limit` characters with an ellipsis, for fields with hard limits; never leaves half an `&amp;`. */
export function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, Math.max(0, limit - 1)).replace(/&[a-z]{0,4}$/, '')}…`;
}

/** A PolyAI timestamp in each reader's own time zone (Slack renders `<!date>`), or as written. */
export function slackDate(iso: unknown, format = '{date_short_pretty} {time_secs}'): string {
  if (typeof iso !== 'string') return iso === null || iso === undefined ? '—' : escapeText(iso);
  if (iso === '') return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeText(iso);
  return `<!date^${Math.floor(ms / 1000)}^${format}|${new Date(ms).toISOString()}>`;
}
