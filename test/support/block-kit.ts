/**
 * Slack's Block Kit limits, as the fake Slack enforces them: a message or view that breaks
 * one is refused the way Slack refuses it (`invalid_blocks`, `invalid_arguments`).
 */
import { isRecord } from './http-util.js';

export const BLOCK_LIMITS = { message: 50, modal: 100, home: 100 } as const;

type Problems = string[];

function textOf(value: unknown): string | undefined {
  return isRecord(value) && typeof value.text === 'string' ? value.text : undefined;
}

function maxLength(problems: Problems, where: string, value: unknown, limit: number): void {
  if (typeof value === 'string' && value.length > limit) {
    problems.push(`must be less than ${limit + 1} characters [json-pointer:${where}]`);
  }
}

function element(problems: Problems, where: string, el: unknown): void {
  if (!isRecord(el)) return;
  maxLength(problems, `${where}/action_id`, el.action_id, 255);
  if (el.type === 'button') {
    maxLength(problems, `${where}/text/text`, textOf(el.text), 75);
    maxLength(problems, `${where}/value`, el.value, 2000);
    maxLength(problems, `${where}/url`, el.url, 3000);
  }
  if (el.type === 'static_select' || el.type === 'overflow' || el.type === 'radio_buttons') {
    const options = Array.isArray(el.options) ? el.options : [];
    if (options.length > 100) problems.push(`must provide at most 100 items [json-pointer:${where}/options]`);
    options.forEach((option: unknown, i: number) => {
      if (!isRecord(option)) return;
      maxLength(problems, `${where}/options/${i}/text/text`, textOf(option.text), 75);
      maxLength(problems, `${where}/options/${i}/value`, option.value, 150);
    });
  }
  if (el.type === 'plain_text_input') maxLength(problems, `${where}/initial_value`, el.initial_value, 3000);
}

/** Everything wrong with `blocks` for a surface that takes at most `maxBlocks` of them. */
export function blockProblems(blocks: unknown, maxBlocks: number): Problems {
  const problems: Problems = [];
  if (blocks === undefined) return problems;
  if (!Array.isArray(blocks)) return ['must be an array [json-pointer:/blocks]'];
  if (blocks.length > maxBlocks) problems.push(`must provide at most ${maxBlocks} items [json-pointer:/blocks]`);
  const ids = new Set<string>();
  blocks.forEach((block: unknown, i: number) => {
    const at = `/blocks/${i}`;
    if (!isRecord(block) || typeof block.type !== 'string') {
      problems.push(`missing required field: type [json-pointer:${at}]`);
      return;
    }
    if (typeof block.block_id === 'string') {
      maxLength(problems, `${at}/block_id`, block.block_id, 255);
      if (ids.has(block.block_id)) problems.push(`duplicate block_id [json-pointer:${at}/block_id]`);
      ids.add(block.block_id);
    }
    switch (block.type) {
      case 'section': {
        const fields = Array.isArray(block.fields) ? block.fields : undefined;
        if (block.text === undefined && fields === undefined)
          problems.push(`must provide text or fields [json-pointer:${at}]`);
        maxLength(problems, `${at}/text/text`, textOf(block.text), 3000);
        if (fields !== undefined) {
          if (fields.length > 10) problems.push(`must provide at most 10 items [json-pointer:${at}/fields]`);
          for (const [j, f] of fields.entries()) maxLength(problems, `${at}/fields/${j}/text`, textOf(f), 2000);
        }
        element(problems, `${at}/accessory`, block.accessory);
        break;
      }
      case 'header':
        maxLength(problems, `${at}/text/text`, textOf(block.text), 150);
        break;
      case 'context': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length > 10) problems.push(`must provide at most 10 items [json-pointer:${at}/elements]`);
        for (const [j, e] of elements.entries()) maxLength(problems, `${at}/elements/${j}/text`, textOf(e), 3000);
        break;
      }
      case 'actions': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length > 25) problems.push(`must provide at most 25 items [json-pointer:${at}/elements]`);
        for (const [j, e] of elements.entries()) element(problems, `${at}/elements/${j}`, e);
        break;
      }
      case 'input':
        maxLength(problems, `${at}/label/text`, textOf(block.label), 2000);
        maxLength(problems, `${at}/hint/text`, textOf(block.hint), 2000);
        element(problems, `${at}/element`, block.element);
        break;
    }
  });
  return problems;
}

/** Everything wrong with a view (modal or Home tab): its blocks and its own fields. */
export function viewProblems(view: Record<string, unknown>): Problems {
  const kind = view.type === 'home' ? 'home' : 'modal';
  const problems = blockProblems(view.blocks, BLOCK_LIMITS[kind]);
  for (const key of ['title', 'submit', 'close'] as const) {
    maxLength(problems, `/view/${key}/text`, textOf(view[key]), 24);
  }
  maxLength(problems, '/view/private_metadata', view.private_metadata, 3000);
  maxLength(problems, '/view/callback_id', view.callback_id, 255);
  return problems;
}
