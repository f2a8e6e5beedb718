/**
 * headroom-compress: the headroom engine for Node applications.
 *
 *   import { compress, retrieve } from 'headroom-compress';
 *   const result = await compress({ messages, model: 'claude-3-opus' });
 *   result.messages, result.tokensBefore, result.tokensAfter, result.keys, result.tool
 *   await retrieve(result.keys[0]); // the byte-exact original
 *
 * The engine is the local Python headroom (`pip install headroom-proxy`), run as a child process over stdio.
 */
export { compress, retrieve, answerRetrieve, retrieveTool } from './compress.js';
export type { CompressOptions } from './compress.js';
export { withHeadroom } from './clients.js';
export type { WrapOptions, CallSavings, HeadroomStats, WithHeadroom } from './clients.js';
export { Engine, configure, closeEngine, sharedEngine, defaultCommand, PROTOCOL } from './engine.js';
export type { EngineOptions } from './engine.js';
export { HeadroomError, HeadroomNotInstalledError, EngineError, INSTALL_HINT } from './errors.js';
export type * from './types.js';
