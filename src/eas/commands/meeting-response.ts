// MeetingResponse (MS-ASCMD 2.2.1.11): Request{UserResponse, CollectionId, RequestId | search:LongId,
// InstanceId, SendResponse{Body, ProposedStartTime, ProposedEndTime} (16.x)} per meeting; each answered in
// a Result{RequestId, Status, CalendarId} (Status 2.2.3.177.9: 1 ok, 2 invalid meeting request, 3 mailbox
// error, 4 server error). What answering does is in src/eas/meetings/respond.ts.
import { defineCommand, EasStatusError, statusForError, type EasContext, type ErrorMap } from '../command.js';
import { MeetingResponseStatus, respond, UserResponse, type MeetingAnswer, type MeetingResult } from '../meetings/respond.js';
import { child, children, intOf, ns, textOf, type WbxmlElement } from '../wbxml/index.js';

const mr = ns('MeetingResponse');
const MAX_REQUESTS = 100;
/** Each Request is answered on its own: any store failure is a mailbox error (3) for that Request. */
const M = MeetingResponseStatus.mailboxError;
const errors = {
  'not-found': M, exists: M, conflict: M, invalid: M, cycle: M, temporary: M, forbidden: M,
} as const satisfies ErrorMap;

/** InstanceId and proposed times: ISO 8601 (2.2.3.87) or the compact 20260301T090000Z form. */
function instant(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const v = s.trim();
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  const t = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

function parseRequest(r: WbxmlElement): MeetingAnswer | null {
  const user = intOf(r, 'MeetingResponse:UserResponse');
  if (user !== UserResponse.accepted && user !== UserResponse.tentative && user !== UserResponse.declined) return null;
  const send = child(r, 'MeetingResponse:SendResponse');
  const body = child(send, 'AirSyncBase:Body');
  const start = instant(textOf(send, 'MeetingResponse:ProposedStartTime'));
  const end = instant(textOf(send, 'MeetingResponse:ProposedEndTime'));
  const comment = textOf(body, 'AirSyncBase:Data');
  return {
    userResponse: user,
    collectionId: textOf(r, 'MeetingResponse:CollectionId')?.trim(),
    requestId: textOf(r, 'MeetingResponse:RequestId')?.trim(),
    longId: textOf(r, 'Search:LongId')?.trim(),
    instanceId: instant(textOf(r, 'MeetingResponse:InstanceId')),
    sendResponse: send ? { ...(comment ? { comment } : {}), ...(start !== undefined && end !== undefined && end > start ? { proposed: { start, end } } : {}) } : null,
  };
}

type Input = Array<MeetingAnswer | null>;

async function execute(ctx: EasContext, input: Input): Promise<MeetingResult[]> {
  const out: MeetingResult[] = [];
  for (const a of input) {
    if (!a || (!a.requestId && !a.longId)) {
      out.push({ status: MeetingResponseStatus.invalidMeetingRequest, requestId: a?.requestId ?? '' });
      continue;
    }
    try {
      out.push(await respond(ctx, a));
    } catch (err) {
      ctx.log.error({ err }, 'MeetingResponse failed');
      out.push({ status: statusForError(errors, err) ?? MeetingResponseStatus.serverError, requestId: a.longId ?? a.requestId ?? '' });
    }
  }
  return out;
}

export const meetingResponseCommand = defineCommand<Input, MeetingResult[]>({
  name: 'MeetingResponse',
  provisioning: 'required',
  body: { kind: 'wbxml', root: 'MeetingResponse:MeetingResponse' },
  invalidRequest: MeetingResponseStatus.invalidMeetingRequest,
  errors,
  parse(root) {
    const requests = children(root, 'MeetingResponse:Request');
    if (requests.length === 0 || requests.length > MAX_REQUESTS) throw new EasStatusError(MeetingResponseStatus.invalidMeetingRequest, `1 to ${MAX_REQUESTS} Request elements`);
    return requests.map(parseRequest);
  },
  execute,
  render: (results) => ({
    kind: 'wbxml',
    root: mr('MeetingResponse', results.map((r) => mr('Result',
      r.requestId && mr('RequestId', r.requestId), mr('Status', r.status), r.calendarId && mr('CalendarId', r.calendarId)))),
  }),
});
