/**
 * The message shapes compress() takes and returns, written structurally so the official SDKs' own types
 * (openai's ChatCompletionMessageParam, @anthropic-ai/sdk's MessageParam) fit without importing them.
 */

/** An OpenAI Chat Completions message. */
export interface OpenAIMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';
  content?: string | null | ReadonlyArray<OpenAIContentPart>;
  name?: string;
  tool_calls?: ReadonlyArray<OpenAIToolCall>;
  tool_call_id?: string;
  [field: string]: unknown;
}

export interface OpenAIContentPart {
  type: string;
  text?: string;
  [field: string]: unknown;
}

export interface OpenAIToolCall {
  id: string;
  type: 'function' | string;
  function: { name: string; arguments: string };
  [field: string]: unknown;
}

/** An Anthropic Messages API message. */
export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | ReadonlyArray<AnthropicContentBlock>;
  [field: string]: unknown;
}

export interface AnthropicContentBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: string | ReadonlyArray<AnthropicContentBlock>;
  [field: string]: unknown;
}

export type Message = OpenAIMessage | AnthropicMessage;

/** Which wire the messages are in: detected from their shapes when not given (default OpenAI). */
export type Protocol = 'openai' | 'anthropic';

/** How large documents inside user messages are treated (the engine's CompressConfig.documents). */
export type DocumentMode = 'off' | 'lossless' | 'retrievable';

/** The retrieve tool's definition in OpenAI's shape. */
export interface OpenAIRetrieveTool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** The retrieve tool's definition in Anthropic's shape. */
export interface AnthropicRetrieveTool {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

export type RetrieveTool = OpenAIRetrieveTool | AnthropicRetrieveTool;

/** What happened to one compressed block. */
export interface BlockInfo {
  origin: string;
  tool_name: string;
  kind: string;
  compressor: string;
  lossy: boolean;
  /** Retrieval key of the original ('' for lossless rewrites). */
  key: string;
  est_before: number;
  est_after: number;
  [field: string]: unknown;
}

export interface CompressResult<M> {
  /** The messages to send: a new list; messages the engine left alone are equal to the input's. */
  messages: M[];
  /** Tokens of the input messages (counted with `encoding`). */
  tokensBefore: number;
  /** Tokens of the returned messages (same basis). */
  tokensAfter: number;
  tokensSaved: number;
  /** The tokenizer behind the three figures (the engine's: exact tiktoken or its offline equivalent). */
  encoding: string;
  /** Retrieval keys of the originals behind the markers (retrieve(key) gives each back byte-exact). */
  keys: string[];
  /** The retrieve tool in the messages' shape when `keys` is not empty: pass it on with the messages. */
  tool: RetrieveTool | null;
  changed: boolean;
  protocol: Protocol;
  blocks: BlockInfo[];
}
