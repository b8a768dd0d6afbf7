import type { SharedFile } from '../../../outbound/slack/files.js';
import type { Services } from '../../services.js';

/**
 * The files of a message, with their private URLs. Slack may leave a file's details out of the
 * event (`file_access: check_file_info`), so those are asked for with `files.info`.
 */
export async function sharedFiles(
  services: Services,
  files: Array<{ id: string; name?: string; url_private?: string }>,
): Promise<SharedFile[]> {
  const found = await Promise.all(
    files.map(async (file) => {
      if (file.url_private !== undefined && file.name !== undefined) return { name: file.name, url: file.url_private };
      const info = await services.slack.client.files.info({ file: file.id });
      const url = info.file?.url_private;
      return url === undefined ? undefined : { name: info.file?.name ?? file.id, url };
    }),
  );
  return found.filter((f): f is SharedFile => f !== undefined);
}
