import type { components } from './schema.gen.js';

/** Names for the generated schemas the rest of the app speaks in. */
type Schemas = components['schemas'];
export type DebugChatResponse = Schemas['DebugChatResponse'];
export type CreateDebugChatBody = Schemas['CreateDebugChatBody'];
export type RespondDebugChatBody = Schemas['RespondDebugChatBody'];
export type AnnotationItem = Schemas['AnnotationItem'];
export type ConversationSummary = Schemas['ConversationSummary'];
export type ConversationDetail = Schemas['ConversationDetail'];
export type ConversationTurn = Schemas['ConversationTurn'];
export type ListConversationsResponse = Schemas['ListConversationsResponse'];
export type ShortSummary = Schemas['ShortSummary'];
export type AudioDirection = NonNullable<
  NonNullable<import('./schema.gen.js').operations['getConversationAudio']['parameters']['query']>['direction']
>;
export type AnnotationType = AnnotationItem['annotationType'];
export type AnnotationRole = AnnotationItem['role'];
