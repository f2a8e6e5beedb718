import { Engine, sharedEngine } from './engine.js';
import { HeadroomError } from './errors.js';
import type { BlockInfo, CompressResult, DocumentMode, Protocol, RetrieveTool } from './types.js';

export interface CompressOptions<M> {
  messages: M[];
  /** The model the messages are for (default 'gpt-4o'). */
  model?: string;
  /** The request's tools, if any (they only matter for the engine's no-tools rule). */
  tools?: unknown[];
  /** The messages' wire; detected from their shapes when absent (plain text messages read as OpenAI). */
  protocol?: Protocol;
  /** Share of a block's tokens lossy compressors aim to keep (0 < ratio ≤ 1; engine default 0.3). */
  ratio?: number;
  /** Large documents inside user messages (default 'retrievable': lossy cuts with markers and keys). */
  documents?: DocumentMode;
  /** The engine to use (default: the shared one; see configure()). */
  engine?: Engine;
}

interface WireResult {
  protocol: string;
  messages: unknown[];
  changed: boolean;
  keys: string[];
  tool: RetrieveTool | null;
  blocks: BlockInfo[];
  tokens_before: number;
  tokens_after: number;
  tokens_saved: number;
  encoding: string;
}

const WIRE: Record<Protocol, string> = { openai: 'openai_chat', anthropic: 'anthropic' };

/**
 * Compress OpenAI Chat or Anthropic messages with the local headroom engine: tool results and large
 * documents inside user messages (logs, JSON, code, pasted files) shrink; prose, system prompts and the
 * instruction around a document stay verbatim. Lossy cuts leave a marker with a key.
 */
export async function compress<M extends { role: string }>(options: CompressOptions<M>): Promise<CompressResult<M>> {
  if (!options || !Array.isArray(options.messages)) {
    throw new HeadroomError('compress() needs { messages: [...] }', { type: 'UsageError' });
  }
  if (options.protocol !== undefined && !(options.protocol in WIRE)) {
    throw new HeadroomError(`unknown protocol ${JSON.stringify(options.protocol)}`, {
      type: 'UsageError',
      hint: "use 'openai' or 'anthropic'",
    });
  }
  const engine = options.engine ?? sharedEngine();
  const r = await engine.request<WireResult>('compress', {
    messages: options.messages,
    model: options.model ?? 'gpt-4o',
    ...(options.tools?.length ? { tools: options.tools } : {}),
    ...(options.protocol ? { protocol: WIRE[options.protocol] } : {}),
    ...(options.ratio !== undefined ? { ratio: options.ratio } : {}),
    ...(options.documents ? { documents: options.documents } : {}),
  });
  return {
    messages: r.messages as M[],
    tokensBefore: r.tokens_before,
    tokensAfter: r.tokens_after,
    tokensSaved: r.tokens_saved,
    encoding: r.encoding,
    keys: r.keys,
    tool: r.tool,
    changed: r.changed,
    protocol: r.protocol === 'anthropic' ? 'anthropic' : 'openai',
    blocks: r.blocks,
  };
}

/** The byte-exact original behind a marker's key (throws a HeadroomError of type 'NotFound' when none is stored). */
export async function retrieve(key: string, options: { engine?: Engine } = {}): Promise<string> {
  const r = await (options.engine ?? sharedEngine()).request<{ text: string }>('retrieve', { key });
  return r.text;
}

/**
 * The answer to one call of the retrieve tool, as the model sent its arguments (an object or its JSON text:
 * key, optional start_line/end_line): the original (or that range of its lines), or a sentence saying why
 * there is none. Never throws for a bad call: the model reads the answer.
 */
export async function answerRetrieve(arguments_: unknown, options: { engine?: Engine } = {}): Promise<string> {
  const r = await (options.engine ?? sharedEngine()).request<{ text: string }>('answer_retrieve', {
    arguments: arguments_,
  });
  return r.text;
}

/** The retrieve tool's definition in a wire's `tools` shape. */
export async function retrieveTool(protocol: Protocol = 'openai', options: { engine?: Engine } = {}): Promise<RetrieveTool> {
  return (options.engine ?? sharedEngine()).request<RetrieveTool>('retrieve_tool', { protocol: WIRE[protocol] });
}
