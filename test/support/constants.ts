/** Shared credentials used by the fakes, the request signer and the app env in tests. */
export const TEST_BOT_TOKEN = 'xoxb-test-token';
export const TEST_SIGNING_SECRET = 'test-signing-secret';
export const TEST_POLYAI_KEY = 'test-polyai-key';
export const TEST_TEAM_ID = 'T1';
export const TEST_BOT_USER_ID = 'UBOT';
export const TEST_BOT_ID = 'BBOT';
export const TEST_APP_ID = 'A1';
export const TEST_APP_TOKEN = 'xapp-test-token';
