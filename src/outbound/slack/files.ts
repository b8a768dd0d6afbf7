/** A file shared in Slack, as an event carries it. */
export interface SharedFile {
  name: string;
  url: string;
}

/** Too big to be a suite file: the download stops there. */
export const DOWNLOAD_LIMIT_BYTES = 1024 * 1024;

export class DownloadError extends Error {
  override name = 'DownloadError';
}

/**
 * Fetches a file shared in Slack (`url_private`) with the bot token. The token only goes to
 * Slack's own hosts: the Web API's host, or an https `*.slack.com` / `*.slack-gov.com` one.
 */
export async function downloadSharedFile(file: SharedFile, token: string, apiUrl: string): Promise<string> {
  const url = new URL(file.url);
  const slackHost = url.protocol === 'https:' && /(^|\.)slack(-gov)?\.com$/.test(url.hostname);
  if (!slackHost && url.host !== new URL(apiUrl).host) throw new DownloadError(`${file.name} is not on Slack`);
  const response = await fetch(url, {
    headers: { Authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new DownloadError(`Slack answered ${response.status} for ${file.name}`);
  const announced = Number(response.headers.get('content-length') ?? '0');
  if (announced > DOWNLOAD_LIMIT_BYTES) throw new DownloadError(`${file.name} is larger than 1 MB`);
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > DOWNLOAD_LIMIT_BYTES) throw new DownloadError(`${file.name} is larger than 1 MB`);
  return body.toString('utf8');
}
