// SendMail (MS-ASCMD 2.2.1.17): 14.0 and later send ComposeMail:SendMail {ClientId, SaveInSentItems, Mime};
// 12.1 and earlier send the raw MIME as the body with SaveInSent=T in the query. Success is an empty 200;
// the rules (ClientId memory, statuses) are in ../compose/submit.ts.
import { defineCommand } from '../command.js';
import { parseCompose, type ComposeInput } from '../compose/request.js';
import { submit } from '../compose/submit.js';

export const sendMailCommand = defineCommand<ComposeInput, null>({
  name: 'SendMail',
  provisioning: 'required',
  body: 'raw',
  parse: (body, ctx) => parseCompose('SendMail', body.kind === 'raw' ? body.bytes : Buffer.alloc(0), ctx),
  execute: (ctx, input) => submit(ctx, input, null),
  render: () => ({ kind: 'empty' }),
});
