// One parsed VCARD (3.0 or 4.0, 2.1 after vcard-legacy.ts) to ContactData. Standard properties fill the
// fields; the X-EAS-* hints our writer adds are believed only while they agree with the standard value
// next to them, so an edit made in another address book always wins over a stale hint.
import { contactDay, dayInstant, emptyContact, type ContactData, type ContactTextField } from './contact-model.js';
import { firstValue, param, parts, str, typesOf, type VProp } from './vcard-jcal.js';
import {
  ANNIVERSARY_PROPS, APPLE_LABELS, BODY_PROP, BODY_TYPE_PARAM, CHILD_PROPS, EMAIL_SLOTS, FILEAS_PARAM, IM_SLOTS,
  IM_X_PROPS, INSTANT_PARAM, RANK_PROP, RAW_VALUE_PARAM, SLOT_PARAM, TEL_SLOTS, X_TEXT, addressFields, bareAddress, composedName,
  htmlNoteText, telCandidates, type AddressKind,
} from './vcard-map.js';

export interface ReadCard {
  data: ContactData;
  categories: string[];
  uid: string | null;
}

/** Apple uses 1604 for a day without a year (X-APPLE-OMIT-YEAR); EAS dates need one, so we do too. */
const NO_YEAR = 1604;

/** A BDAY/ANNIVERSARY as an instant: the X-EAS-INSTANT hint when it is that day, else the day's instant. */
function dateOf(p: VProp): string | null {
  const v = firstValue(p).trim();
  const full = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(v);
  const noYear = /^--(\d{2})-?(\d{2})$/.exec(v);
  const [y, m, d] = full ? [Number(full[1]), Number(full[2]), Number(full[3])] : noYear ? [NO_YEAR, Number(noYear[1]), Number(noYear[2])] : [0, 0, 0];
  const hint = param(p, INSTANT_PARAM);
  const hinted = hint !== undefined && Number.isFinite(Date.parse(hint)) ? new Date(Date.parse(hint)).toISOString() : null;
  const day = hinted ? contactDay(hinted) : null;
  if (hinted && day && day.year === y && day.month === m && day.day === d) return hinted;
  return dayInstant(y, m, d);
}

function picture(p: VProp): string {
  let v = firstValue(p).trim();
  const uri = /^data:[^,]*;base64,/i.exec(v);
  if (uri) v = v.slice(uri[0].length);
  else if (/^[a-z][a-z0-9+.-]*:/i.test(v) || param(p, 'value')?.toLowerCase() === 'uri') return ''; // a link: nothing to fetch here
  const b64 = v.replace(/\s+/g, '');
  return /^[A-Za-z0-9+/]*={0,2}$/.test(b64) && b64.length % 4 !== 1 ? b64 : '';
}

class CardReader {
  readonly data = emptyContact();
  readonly categories: string[] = [];
  uid: string | null = null;
  private fn: { value: string; fileAs: boolean } | null = null;
  private note: string | null = null;
  private native: { type: string; value: string } | null = null;
  private role = '';
  private readonly labels = new Map<string, string[]>();

  constructor(private readonly props: readonly VProp[]) {
    for (const p of props) if (p.name === 'x-ablabel' && p.group) this.labels.set(p.group, [...(APPLE_LABELS[firstValue(p).toLowerCase()] ?? [])]);
  }

  /** Fills the slot the hint names when it is one of `allowed` and free, else the first free candidate. */
  private slot(p: VProp, allowed: readonly string[], candidates: readonly ContactTextField[], value: string): void {
    const hint = param(p, SLOT_PARAM);
    const target = hint && allowed.includes(hint) && this.data[hint as ContactTextField] === '' ? hint as ContactTextField : candidates.find((f) => this.data[f] === '');
    if (target && value !== '') this.data[target] = value;
  }

  private set(field: ContactTextField, value: string): void {
    if (this.data[field] === '' && value !== '') this.data[field] = value;
  }

  private address(p: VProp): void {
    const [pobox = '', ext = '', street = '', city = '', region = '', code = '', country = ''] = parts(p, 7);
    const values = [[pobox, ext, street].filter((s) => s !== '').join('\n'), city, region, code, country];
    if (values.every((v) => v === '')) return;
    const types = typesOf(p);
    const hint = param(p, SLOT_PARAM);
    const typed: AddressKind = types.has('HOME') ? 'home' : types.has('WORK') ? 'business' : 'other';
    const order: AddressKind[] = [hint === 'home' || hint === 'business' || hint === 'other' ? hint : typed, 'other', 'home', 'business'];
    const kind = order.find((k) => addressFields(k).every((f) => this.data[f] === ''));
    if (kind) addressFields(kind).forEach((f, i) => { this.data[f] = values[i] ?? ''; });
  }

  private related(kind: string, value: string): void {
    if (kind === 'SPOUSE') this.set('spouse', value);
    else if (kind === 'CHILD') this.data.children.push(value);
    else if (kind === 'X-ASSISTANT' || kind === 'ASSISTANT' || kind === 'AGENT') this.set('assistantName', value);
    else if (kind === 'MANAGER') this.set('managerName', value);
  }

  private read(p: VProp): void {
    const v = firstValue(p);
    const labels = this.labels.get(p.group) ?? [];
    switch (p.name) {
      case 'uid': this.uid = v || null; return;
      case 'fn': this.fn = { value: v, fileAs: param(p, FILEAS_PARAM)?.toUpperCase() === 'TRUE' }; return;
      case 'n': {
        const [last = '', first = '', middle = '', prefix = '', suffix = ''] = parts(p, 5);
        Object.assign(this.data, { lastName: last, firstName: first, middleName: middle, title: prefix, suffix });
        return;
      }
      case 'nickname': this.set('nickName', p.values.map(str).filter(Boolean).join(', ')); return;
      case 'org': {
        const [company = '', ...units] = parts(p, 1);
        this.set('companyName', company);
        this.set('department', units.filter(Boolean).join(', '));
        return;
      }
      case 'title': this.set('jobTitle', v); return;
      case 'role': this.role ||= v; return;
      case 'bday': this.data.birthday ??= dateOf(p); return;
      case 'x-abdate': if (labels.includes('ANNIVERSARY')) this.data.anniversary ??= dateOf(p); return;
      case 'tel': {
        const types = new Set([...typesOf(p), ...labels]);
        this.slot(p, TEL_SLOTS.map((s) => s.field), telCandidates(types), v.replace(/^tel:/i, ''));
        return;
      }
      case 'email': {
        const raw = param(p, RAW_VALUE_PARAM);
        this.slot(p, EMAIL_SLOTS, EMAIL_SLOTS, raw !== undefined && bareAddress(raw) === v.trim() ? raw : v);
        return;
      }
      case 'adr': this.address(p); return;
      case 'impp': this.slot(p, IM_SLOTS, IM_SLOTS, v); return;
      case 'url': this.set('webPage', v); return;
      case 'note': this.note = p.values.map(str).join(','); return;
      case BODY_PROP: this.native = { type: (param(p, BODY_TYPE_PARAM) ?? '').toLowerCase(), value: v }; return;
      case 'categories': this.categories.push(...p.values.map(str).map((c) => c.trim()).filter((c) => c !== '')); return;
      case 'photo': if (this.data.picture === '') this.data.picture = picture(p); return;
      case RANK_PROP: if (/^[+-]?\d{1,10}$/.test(v.trim())) this.data.weightedRank = Number(v.trim()); return;
      case 'related': for (const t of typesOf(p)) this.related(t, v); return;
      case 'x-abrelatednames': for (const t of labels) this.related(t, v); return;
    }
    if (ANNIVERSARY_PROPS.includes(p.name)) this.data.anniversary ??= dateOf(p);
    else if (CHILD_PROPS.includes(p.name)) { if (v !== '') this.data.children.push(v); }
    else if (IM_X_PROPS.includes(p.name)) this.slot(p, IM_SLOTS, IM_SLOTS, v);
    else {
      const x = X_TEXT.find((e) => e.names.includes(p.name));
      if (x) this.set(x.field, v);
    }
  }

  run(): ReadCard {
    // Hinted slots first, so a typed value earlier in the card does not take the slot a hint names.
    const hinted = this.props.filter((p) => param(p, SLOT_PARAM) !== undefined);
    for (const p of [...hinted, ...this.props.filter((p) => param(p, SLOT_PARAM) === undefined)]) this.read(p);
    if (this.data.jobTitle === '') this.data.jobTitle = this.role;
    // FileAs: FN unless FN is only the name we compose from the parts (then the contact has none).
    if (this.fn) this.data.fileAs = this.fn.fileAs || this.fn.value !== composedName(this.data) ? this.fn.value : '';
    const native = this.native;
    if (native?.type === 'html' && (this.note === null || this.note === htmlNoteText(native.value))) Object.assign(this.data, { body: native.value, bodyType: 2 });
    else if (native?.type === 'rtf' && this.note === null) Object.assign(this.data, { body: native.value, bodyType: 3 });
    else if (this.note !== null) Object.assign(this.data, { body: this.note, bodyType: 1 });
    return { data: this.data, categories: this.categories, uid: this.uid };
  }
}

export function readCard(props: readonly VProp[]): ReadCard {
  return new CardReader(props).run();
}
