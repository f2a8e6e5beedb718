// The CommonJS entry point's declarations (require condition), compiled by `npm run typecheck`, never run.
import hr = require('headroom-compress');

export const pending: Promise<hr.CompressResult<hr.OpenAIMessage>> = hr.compress<hr.OpenAIMessage>({
  messages: [{ role: 'user', content: 'x' }],
});
export const original: Promise<string> = hr.retrieve('key');
