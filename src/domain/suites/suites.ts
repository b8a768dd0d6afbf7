import { uploadFile } from '../../outbound/slack/audio-relay.js';
import { DownloadError, downloadSharedFile, type SharedFile } from '../../outbound/slack/files.js';
import type { SlackMessage } from '../../outbound/slack/poster.js';
import type { ThreadRef } from '../../outbound/store/records.js';
import type { RunOverrides, ScheduleEvery, Suite, TestCase } from '../../outbound/store/suite-records.js';
import {
  caseFailureMessage,
  defaultCaseName,
  NO_SESSION,
  NO_USER_TURNS,
  noSuite,
  overridesText,
  savedNotice,
  scheduleText,
  suiteLine,
  suiteList,
} from '../../presentation/suites.js';
import { escapeText } from '../../presentation/text.js';
import { type DebugChats, optionsOf } from '../chat/debug-chats.js';
import type { Replays } from '../chat/replay.js';
import type { CoreDeps } from '../deps.js';
import { acceptActual, defaultChecks } from './checks.js';
import { runSettings, type SuiteRunner } from './runner.js';
import { parseSuiteYaml, suiteToYaml } from './yaml-format.js';

export interface SuitesDeps extends CoreDeps {
  chats: DebugChats;
  replays: Replays;
  runner: SuiteRunner;
}

/** What happened to a request, for the person who made it (ephemerally). */
export type Told = SlackMessage;

const emptySuite = (channel: string, name: string): Suite => ({ channel, name, cases: [], runs: [] });

/**
 * Regression suites of a channel (spec §7): cases saved from debug-chat threads, runs, Accept,
 * Open as thread, export and import. Runs and schedules are SuiteRunner's and SuiteScheduler's.
 */
export class Suites {
  constructor(private readonly deps: SuitesDeps) {}

  /** The suite names of a channel, and the default name of a case saved from `thread`. */
  async savePlan(thread: ThreadRef): Promise<{ suites: string[]; caseName: string } | Told> {
    const { store } = this.deps;
    if ((await store.session(thread)) === undefined) return NO_SESSION;
    const first = (await store.transcript(thread)).find((t) => t.user.trim() !== '');
    if (first === undefined) return NO_USER_TURNS;
    const suites = (await store.suites.inChannel(thread.channel)).map((s) => s.name);
    return { suites, caseName: defaultCaseName(first.user) };
  }

  /** Saves a debug-chat thread as a case (replacing one of the same name); says how it went, in the thread. */
  async save(thread: ThreadRef, user: string, suiteName: string, caseName?: string): Promise<Told | undefined> {
    const { store, slack } = this.deps;
    const session = await store.session(thread);
    if (session === undefined) return NO_SESSION;
    const turns = (await store.transcript(thread)).filter((t) => t.user.trim() !== '');
    const first = turns[0];
    if (first === undefined) return NO_USER_TURNS;
    const name = caseName?.trim() || defaultCaseName(first.user);
    const testCase: TestCase = {
      name,
      settings: {
        agentId: session.agentId,
        clientEnv: session.clientEnv,
        ...(session.variantId !== undefined && { variantId: session.variantId }),
        ...(session.lang !== undefined && { lang: session.lang }),
        ...(session.polyaiChannel !== undefined && { polyaiChannel: session.polyaiChannel }),
        ...(session.integrationAttributes !== undefined && { integrationAttributes: session.integrationAttributes }),
        details: false,
      },
      turns: turns.map((t) => {
        const functions = t.functions ?? [];
        return { user: t.user, reply: t.replies.join('\n'), functions, checks: defaultChecks(functions) };
      }),
      savedBy: user,
      savedAt: new Date().toISOString(),
    };
    const suite =
      (await store.suites.suite({ channel: thread.channel, name: suiteName })) ?? emptySuite(thread.channel, suiteName);
    const replaced = suite.cases.some((c) => c.name === name);
    await store.suites.saveSuite({ ...suite, cases: [...suite.cases.filter((c) => c.name !== name), testCase] });
    await slack.post(
      thread.channel,
      savedNotice(suiteName, name, testCase.turns.length, replaced, user),
      thread.threadTs,
    );
    return undefined;
  }

  /** `/polychat test run`: starts a run and posts its report; a missing or empty suite is told. */
  async run(channel: string, name: string, user: string, overrides: RunOverrides): Promise<Told | undefined> {
    const suite = await this.deps.store.suites.suite({ channel, name });
    if (suite === undefined) return noSuite(name);
    if (suite.cases.length === 0) return { text: `Suite *${escapeText(name)}* has no cases to run.` };
    await this.deps.runner.start({ suite, user, overrides });
    return undefined;
  }

  async list(channel: string): Promise<SlackMessage> {
    return suiteList(await this.lines(await this.deps.store.suites.inChannel(channel)));
  }

  /** The suites of the channels a person has debug chats or defaults in, for the App Home. */
  async inChannelsOf(user: string): Promise<string[]> {
    const index = await this.deps.store.userIndex(user);
    const channels = [...new Set([...index.sessions.map((s) => s.channel), ...index.defaultChannels])];
    const suites = await Promise.all(channels.map((channel) => this.deps.store.suites.inChannel(channel)));
    return this.lines(suites.flat().slice(0, 20));
  }

  /** Lines for the given suites, each with its last result. */
  async lines(suites: Suite[]): Promise<string[]> {
    return Promise.all(
      suites.map(async (suite) => {
        const last = suite.runs[0] === undefined ? undefined : await this.deps.store.suites.run(suite.runs[0]);
        return suiteLine(suite, last);
      }),
    );
  }

  async schedule(
    channel: string,
    name: string,
    user: string,
    every: ScheduleEvery,
    overrides: RunOverrides,
  ): Promise<Told> {
    const suite = await this.deps.store.suites.suite({ channel, name });
    if (suite === undefined) return noSuite(name);
    await this.deps.store.suites.saveSuite({
      ...suite,
      // From the start of this minute: a schedule set during its slot's minute runs at once.
      schedule: {
        every,
        overrides,
        by: user,
        after: new Date(Math.floor(Date.now() / 60_000) * 60_000 - 1).toISOString(),
      },
    });
    await this.deps.slack.post(channel, {
      text: `:alarm_clock: <@${user}> scheduled suite *${escapeText(name)}* to run ${scheduleText(every)} (${this.deps.config.timezone}) against ${overridesText(overrides)}; reports come here.`,
    });
    return { text: `Scheduled. \`/polychat test unschedule ${name}\` stops it.` };
  }

  async unschedule(channel: string, name: string, user: string): Promise<Told> {
    const suite = await this.deps.store.suites.suite({ channel, name });
    if (suite === undefined) return noSuite(name);
    if (suite.schedule === undefined) return { text: `Suite *${escapeText(name)}* has no schedule.` };
    const { schedule: _gone, ...rest } = suite;
    await this.deps.store.suites.saveSuite(rest);
    await this.deps.slack.post(channel, {
      text: `:alarm_clock: <@${user}> unscheduled suite *${escapeText(name)}*; it no longer runs by itself.`,
    });
    return { text: 'Unscheduled.' };
  }

  /** Uploads `SUITE.yaml` into the channel. */
  async export(channel: string, name: string, user: string): Promise<Told | undefined> {
    const suite = await this.deps.store.suites.suite({ channel, name });
    if (suite === undefined) return noSuite(name);
    await uploadFile(this.deps.slack.client, Buffer.from(suiteToYaml(suite), 'utf8'), {
      channel,
      filename: `${name}.yaml`,
      title: `${name}.yaml`,
      initialComment: `:package: Suite *${escapeText(name)}* (${suite.cases.length} cases), exported by <@${user}>. Share it in a channel with \`@polychat test import\` to add its cases there.`,
    });
    return undefined;
  }

  /** `@polychat test import` with a YAML file: adds or replaces the suite's cases in `channel`, all or nothing. */
  async import(channel: string, user: string, files: SharedFile[], threadTs?: string): Promise<Told | undefined> {
    const file = files.find((f) => /\.ya?ml$/i.test(f.name)) ?? files[0];
    if (file === undefined) {
      return {
        text: 'Attach the suite file (`SUITE.yaml`, from `/polychat test export`) to the message that says `@polychat test import`.',
      };
    }
    let text: string;
    try {
      text = await downloadSharedFile(file, this.deps.config.slack.botToken, this.deps.config.slack.apiUrl);
    } catch (error) {
      if (!(error instanceof DownloadError) && !(error instanceof TypeError) && !(error instanceof DOMException))
        throw error;
      return {
        text: `:warning: I could not read ${escapeText(file.name)}: ${escapeText(error.message)}. Nothing was imported.`,
      };
    }
    const parsed = parseSuiteYaml(text, user);
    if (!parsed.ok) {
      return {
        text: `:warning: ${escapeText(file.name)} was not imported, ${escapeText(parsed.error)}. Nothing was imported; fix the file and share it again.`,
      };
    }
    const { store, slack } = this.deps;
    const suite = (await store.suites.suite({ channel, name: parsed.name })) ?? emptySuite(channel, parsed.name);
    const incoming = new Set(parsed.cases.map((c) => c.name));
    const replaced = suite.cases.filter((c) => incoming.has(c.name)).length;
    await store.suites.saveSuite({
      ...suite,
      cases: [...suite.cases.filter((c) => !incoming.has(c.name)), ...parsed.cases],
    });
    await slack.post(
      channel,
      {
        text: `:inbox_tray: <@${user}> imported ${parsed.cases.length} cases into suite *${escapeText(parsed.name)}* (${parsed.cases.length - replaced} new, ${replaced} replaced). \`/polychat test run ${parsed.name}\` runs it.`,
      },
      threadTs,
    );
    return undefined;
  }

  /**
   * Accept on a failed case: what it did in that run becomes what it expects, and its failure
   * message (at `messageTs`) says who accepted it.
   */
  async accept(runId: string, index: number, user: string, messageTs: string): Promise<Told> {
    const { store, slack } = this.deps;
    const run = await store.suites.run(runId);
    const result = run?.results[index];
    if (run === undefined || result === undefined) return { text: 'That run is no longer kept.' };
    const suite = await store.suites.suite({ channel: run.channel, name: run.suite });
    const testCase = suite?.cases.find((c) => c.name === result.name);
    if (suite === undefined || testCase === undefined) {
      return { text: `The case _${escapeText(result.name)}_ is no longer in suite *${escapeText(run.suite)}*.` };
    }
    const accepted = acceptActual(testCase, result.actual);
    await store.suites.saveSuite({
      ...suite,
      cases: suite.cases.map((c) => (c.name === testCase.name ? accepted : c)),
    });
    await slack.update(run.channel, messageTs, caseFailureMessage(run, index, result, user));
    return {
      text: `:white_check_mark: Accepted: _${escapeText(result.name)}_ now expects what the agent said in this run.`,
    };
  }

  /**
   * Open as thread: a live debug chat with the case's settings (as the run had them) and its
   * turns up to the one that failed replayed into it, to carry on by hand.
   */
  async openAsThread(runId: string, index: number, user: string): Promise<Told | undefined> {
    const { store, slack, chats, replays } = this.deps;
    const run = await store.suites.run(runId);
    const result = run?.results[index];
    if (run === undefined || result === undefined) return { text: 'That run is no longer kept.' };
    const suite = await store.suites.suite({ channel: run.channel, name: run.suite });
    const testCase = suite?.cases.find((c) => c.name === result.name);
    if (testCase === undefined) return { text: `The case _${escapeText(result.name)}_ is no longer in its suite.` };
    const link = await slack.permalink(run.channel, run.reportTs);
    const session = await chats.start({
      channel: run.channel,
      user,
      options: optionsOf(runSettings(testCase, run.overrides)),
      origin: { kind: 'replay', ...(link !== undefined && { link }) },
    });
    const upTo = Math.max(1, result.problem?.turn ?? testCase.turns.length);
    const turns = testCase.turns.slice(0, upTo);
    for (const [i, turn] of turns.entries()) {
      const now = await store.session(session);
      if (now === undefined || now.ended !== undefined || now.conversationId === '') break;
      await replays.turn(session, turn.user, i + 1, turns.length, user);
    }
    return undefined;
  }
}
