import { describe, expect, it } from 'vitest';
import { EXAMPLES, exampleFor, parseCommand, USAGE, UsageError } from '../../src/presentation/commands.js';

function usageError(text: string): UsageError {
  try {
    parseCommand(text);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`"${text}" parsed without error`);
}

describe('parseCommand', () => {
  it('reads start options before the free text, and keeps the text as written', () => {
    expect(parseCommand('agent=a1 env=pre-release variant=v2 lang=en-GB  I want  to book a=b')).toEqual({
      kind: 'start',
      options: { agentId: 'a1', clientEnv: 'pre-release', variantId: 'v2', lang: 'en-GB', attributes: {} },
      message: 'I want  to book a=b',
    });
  });

  it('starts with no options and no message', () => {
    expect(parseCommand('')).toEqual({ kind: 'start', options: { attributes: {} } });
  });

  it('reads details, channel and repeated attr.NAME options, with quoted values', () => {
    expect(parseCommand('details=on channel=webchat attr.tier=gold attr.name="Ada Lovelace" hi')).toEqual({
      kind: 'start',
      options: {
        details: true,
        polyaiChannel: 'webchat.polyai',
        attributes: { tier: 'gold', name: 'Ada Lovelace' },
      },
      message: 'hi',
    });
    expect(parseCommand('channel=voice')).toMatchObject({ options: { polyaiChannel: 'chat.polyai' } });
  });

  it.each([
    ['env=prod hello', /env= must be one of sandbox, pre-release, live/],
    ['colour=blue hello', /Unknown option "colour="/],
    ['lang=english', /lang= takes a language code/],
    ['agent=', /agent= needs a value/],
    ['agent=<!channel>', /not a valid agent ID/],
    ['channel=sms', /channel= must be voice or webchat/],
    ['details=maybe', /details= takes on or off/],
    ['attr.=x', /needs a name/],
  ])('rejects %s with a message that names the problem', (text, message) => {
    const error = usageError(text);
    expect(error.message).toMatch(message);
    expect(error.usage).toContain('/polychat');
  });

  it('answers a misspelt subcommand with usage, but takes any other lone word as a first message', () => {
    expect(usageError('lsit').message).toBe('Unknown command "lsit". Did you mean `/polychat list`?');
    expect(usageError('hlep').message).toMatch(/Did you mean `\/polychat help`/);
    expect(usageError('calls').message).toMatch(/Did you mean `\/polychat call`/);
    expect(usageError('resmue').message).toMatch(/Did you mean `\/polychat resume`/);
    expect(usageError('lsit limit=5').message).toMatch(/Did you mean `\/polychat list`/);
    expect(usageError('bogus agent=a1').message).toBe('Unknown command "bogus"');
    for (const text of ['hello', 'hi', 'Bonjour', 'book a table', 'calling about my order', 'set x=5 please']) {
      expect(parseCommand(text)).toMatchObject({ kind: 'start' });
    }
  });

  it('reads help and agent', () => {
    expect(parseCommand('help')).toEqual({ kind: 'help' });
    expect(parseCommand('HELP')).toEqual({ kind: 'help' });
    expect(parseCommand('agent a-2')).toEqual({ kind: 'agent', agentId: 'a-2' });
    expect(parseCommand('agent')).toEqual({ kind: 'agent' });
    expect(parseCommand('agent a-2 details=on')).toEqual({ kind: 'agent', agentId: 'a-2', details: true });
    expect(usageError('agent a b').message).toMatch(/don't understand "b"/);
    expect(usageError('help me').message).toMatch(/no help on "me". Topics are chat, calls, tests, search, watch/);
    expect(parseCommand('help calls')).toEqual({ kind: 'help', topic: 'calls' });
    expect(parseCommand('help call')).toEqual({ kind: 'help', topic: 'calls' });
    expect(parseCommand('help Watches')).toEqual({ kind: 'help', topic: 'watch' });
    expect(usageError('lsit').usage).toBe('/polychat list [agent=ID] [limit=N]');
  });

  it('reads list, call, audio, note and resume with their options', () => {
    expect(parseCommand('list agent=a limit=5')).toEqual({ kind: 'list', agentId: 'a', limit: 5 });
    expect(parseCommand('list')).toEqual({ kind: 'list', limit: 10 });
    expect(usageError('list limit=0').message).toMatch(/limit= takes a whole number/);
    expect(parseCommand('call conv-1 agent=a')).toEqual({
      kind: 'call',
      conversation: { conversationId: 'conv-1', agentId: 'a' },
    });
    expect(parseCommand('audio conv-1 direction=user redacted=false')).toEqual({
      kind: 'audio',
      conversation: { conversationId: 'conv-1' },
      direction: 'user',
      redacted: false,
    });
    expect(parseCommand('audio conv-1')).toEqual({
      kind: 'audio',
      conversation: { conversationId: 'conv-1' },
      direction: 'combined',
    });
    expect(usageError('audio conv-1 direction=left').message).toMatch(/direction= must be/);
    expect(parseCommand('note conv-1 Caller was  upset')).toEqual({
      kind: 'note',
      conversation: { conversationId: 'conv-1' },
      text: 'Caller was  upset',
    });
    expect(usageError('note conv-1').message).toMatch(/Write the note/);
    expect(usageError('call').message).toMatch(/Name the conversation/);
    expect(parseCommand('resume conv-9 env=live')).toMatchObject({
      kind: 'resume',
      conversation: { conversationId: 'conv-9' },
      options: { clientEnv: 'live' },
    });
  });

  it('finds the conversation (and agent) in an Agent Studio link, wrapped by Slack or not', () => {
    expect(parseCommand('call <https://studio.poly.ai/acme/agents/agent-7/conversations/CA123abc|link>')).toEqual({
      kind: 'call',
      conversation: { conversationId: 'CA123abc', agentId: 'agent-7' },
    });
    expect(parseCommand('call https://studio.poly.ai/x/conversations?conversationId=CA9')).toEqual({
      kind: 'call',
      conversation: { conversationId: 'CA9' },
    });
    expect(usageError('call https://studio.poly.ai/acme/dashboard').message).toMatch(/no conversation ID/);
  });
});

describe('examples', () => {
  it('has a real example for every usage line, and each one parses as the command it shows', () => {
    for (const key of Object.keys(USAGE) as Array<keyof typeof USAGE>) {
      const example = EXAMPLES[key];
      expect(example, `an example for ${key}`).toBeDefined();
      const text = (example ?? '').replace(/^[/@]polychat\s*/, '');
      const parsed = parseCommand(text);
      expect(parsed.kind).toBe(key);
      expect(exampleFor(USAGE[key])).toBe(example);
    }
  });
});
