/**
 * withHeadroom(client): the official `openai` and `@anthropic-ai/sdk` clients, compressing what they send.
 * `chat.completions.create` (OpenAI) and `messages.create` (Anthropic) compress the request's messages first;
 * everything else on the client is the client's own. When a lossy cut left a marker, the retrieve tool goes
 * with the request; a non-streaming call answers the model's retrieve calls itself and asks again, so the
 * caller sees the final answer. A streaming call passes the tool on and leaves its calls to the caller
 * (answer them with answerRetrieve()).
 */
import { answerRetrieve, compress } from './compress.js';
import type { Engine } from './engine.js';
import type { CompressResult, DocumentMode, RetrieveTool } from './types.js';

export interface WrapOptions {
  /** Share of a block's tokens lossy compressors aim to keep (engine default 0.3). */
  ratio?: number;
  /** Large documents inside user messages (default 'retrievable'). */
  documents?: DocumentMode;
  /** Retrieve calls answered per request before the model's reply is returned as it is (default 3). */
  maxRetrieveRounds?: number;
  engine?: Engine;
}

export interface CallSavings {
  /** Tokens of the messages as the caller gave them, and as sent (the engine's tokenizer, `encoding`). */
  tokensBefore: number;
  tokensAfter: number;
  tokensSaved: number;
  encoding: string;
  keys: string[];
  /** Retrieve calls the wrapper answered for this request. */
  retrieved: number;
}

export interface HeadroomStats {
  /** Sum of tokensSaved over the calls: the messages' tokens before minus after, per first request sent. */
  totalTokensSaved: number;
  calls: CallSavings[];
}

export type WithHeadroom<C> = C & { readonly headroom: HeadroomStats };

type AnyFn = (...args: any[]) => any;

/** `target` seen through a proxy that answers `name` with `value`; every other member is the target's own. */
function overriding<T extends object>(target: T, members: Record<string, unknown>): T {
  return new Proxy(target, {
    get(t, p) {
      if (typeof p === 'string' && Object.prototype.hasOwnProperty.call(members, p)) return members[p];
      const v = Reflect.get(t, p, t);
      return typeof v === 'function' ? (v as AnyFn).bind(t) : v;
    },
  });
}

function toolName(tool: RetrieveTool): string {
  return 'function' in tool ? tool.function.name : tool.name;
}

function hasTool(tools: unknown, name: string): boolean {
  return Array.isArray(tools) && tools.some((t: any) => t?.name === name || t?.function?.name === name);
}

function record(stats: HeadroomStats, r: CompressResult<unknown>): CallSavings {
  const call: CallSavings = {
    tokensBefore: r.tokensBefore,
    tokensAfter: r.tokensAfter,
    tokensSaved: r.tokensSaved,
    encoding: r.encoding,
    keys: r.keys,
    retrieved: 0,
  };
  stats.calls.push(call);
  stats.totalTokensSaved += r.tokensSaved;
  return call;
}

/** Wrap an `openai` or `@anthropic-ai/sdk` client (detected from its shape). */
export function withHeadroom<C extends object>(client: C, options: WrapOptions = {}): WithHeadroom<C> {
  const c = client as any;
  const stats: HeadroomStats = { totalTokensSaved: 0, calls: [] };
  if (c?.chat?.completions && typeof c.chat.completions.create === 'function') {
    const completions = c.chat.completions;
    const create = openaiCreate(completions.create.bind(completions), stats, options);
    const chat = overriding(c.chat, { completions: overriding(completions, { create }) });
    return overriding(c, { chat, headroom: stats }) as WithHeadroom<C>;
  }
  if (c?.messages && typeof c.messages.create === 'function') {
    const messages = c.messages;
    const create = anthropicCreate(messages.create.bind(messages), stats, options);
    return overriding(c, { messages: overriding(messages, { create }), headroom: stats }) as WithHeadroom<C>;
  }
  throw new TypeError('withHeadroom() takes an OpenAI client (openai) or an Anthropic client (@anthropic-ai/sdk)');
}

function openaiCreate(send: AnyFn, stats: HeadroomStats, options: WrapOptions): AnyFn {
  const { engine } = options;
  return async function create(body: any, requestOptions?: unknown) {
    if (!body || !Array.isArray(body.messages)) return send(body, requestOptions);
    const r = await compress({
      messages: body.messages, model: body.model, tools: body.tools, protocol: 'openai',
      ratio: options.ratio, documents: options.documents, engine,
    });
    const call = record(stats, r);
    if (!r.changed) return send(body, requestOptions); // the caller's own object: cache-safe, untouched
    let sent: any = { ...body, messages: r.messages };
    const tool = r.keys.length && r.tool && body.tool_choice !== 'none' && !body.functions ? r.tool : null;
    if (tool && !hasTool(body.tools, toolName(tool))) sent.tools = [...(body.tools ?? []), tool];
    if (!tool || body.stream) return send(sent, requestOptions);
    const name = toolName(tool);
    let resp = await send(sent, requestOptions);
    for (let round = 0; round < (options.maxRetrieveRounds ?? 3); round++) {
      const msg = resp?.choices?.[0]?.message;
      const calls: any[] = msg?.tool_calls ?? [];
      if (!calls.length || !calls.every((t) => t?.function?.name === name)) break;
      const answers = await Promise.all(calls.map((t) => answerRetrieve(t.function.arguments, { engine })));
      call.retrieved += calls.length;
      sent = {
        ...sent,
        messages: [
          ...sent.messages,
          { role: 'assistant', content: msg.content ?? null, tool_calls: calls },
          ...calls.map((t, i) => ({ role: 'tool', tool_call_id: t.id, content: answers[i] })),
        ],
      };
      resp = await send(sent, requestOptions);
    }
    return resp;
  };
}

function anthropicCreate(send: AnyFn, stats: HeadroomStats, options: WrapOptions): AnyFn {
  const { engine } = options;
  return async function create(body: any, requestOptions?: unknown) {
    if (!body || !Array.isArray(body.messages)) return send(body, requestOptions);
    const r = await compress({
      messages: body.messages, model: body.model, tools: body.tools, protocol: 'anthropic',
      ratio: options.ratio, documents: options.documents, engine,
    });
    const call = record(stats, r);
    if (!r.changed) return send(body, requestOptions);
    let sent: any = { ...body, messages: r.messages };
    const tool = r.keys.length && r.tool && body.tool_choice?.type !== 'none' ? r.tool : null;
    if (tool && !hasTool(body.tools, toolName(tool))) sent.tools = [...(body.tools ?? []), tool];
    if (!tool || body.stream) return send(sent, requestOptions);
    const name = toolName(tool);
    let resp = await send(sent, requestOptions);
    for (let round = 0; round < (options.maxRetrieveRounds ?? 3); round++) {
      const uses: any[] = (resp?.content ?? []).filter((b: any) => b?.type === 'tool_use');
      if (!uses.length || !uses.every((u) => u.name === name)) break;
      const answers = await Promise.all(uses.map((u) => answerRetrieve(u.input, { engine })));
      call.retrieved += uses.length;
      sent = {
        ...sent,
        messages: [
          ...sent.messages,
          { role: 'assistant', content: resp.content },
          { role: 'user', content: uses.map((u, i) => ({ type: 'tool_result', tool_use_id: u.id, content: answers[i] })) },
        ],
      };
      resp = await send(sent, requestOptions);
    }
    return resp;
  };
}
