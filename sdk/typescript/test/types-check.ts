// Compiled with `npm run typecheck` (tsc --noEmit), never run: the published declarations accept and return the
// official SDKs' own message types, in both module systems' entry points.
import Anthropic from '@anthropic-ai/sdk';
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { compress, retrieve, withHeadroom, type CompressResult, type HeadroomStats } from 'headroom-compress';

export async function openaiShapes(messages: ChatCompletionMessageParam[]): Promise<ChatCompletionMessageParam[]> {
  const r: CompressResult<ChatCompletionMessageParam> = await compress({ messages, model: 'gpt-4o' });
  const before: number = r.tokensBefore;
  const after: number = r.tokensAfter;
  const keys: string[] = r.keys;
  const original: string = await retrieve(keys[0] ?? '');
  void before, after, original;
  const client = withHeadroom(new OpenAI({ apiKey: 'k' }));
  const resp = await client.chat.completions.create({ model: 'gpt-4o', messages: r.messages });
  const text: string | null = resp.choices[0]!.message.content;
  const stats: HeadroomStats = client.headroom;
  void text, stats;
  return r.messages;
}

export async function anthropicShapes(messages: MessageParam[]): Promise<MessageParam[]> {
  const r = await compress({ messages, model: 'claude-3-opus', protocol: 'anthropic' });
  const client = withHeadroom(new Anthropic({ apiKey: 'k' }));
  const resp = await client.messages.create({ model: 'claude-3-opus', max_tokens: 64, messages: r.messages });
  const blocks: Anthropic.ContentBlock[] = resp.content;
  void blocks, client.headroom.totalTokensSaved;
  return r.messages;
}

// @ts-expect-error: messages are required
void compress({ model: 'gpt-4o' });
