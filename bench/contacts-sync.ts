// Contacts sync throughput over HTTP with real WBXML: 5,000 contacts (about 25 properties each, notes,
// one in ten with a 6 KB photo) stored directly, then the initial Sync of a 16.1 phone in windows of
// 100, items/s and peak RSS. SQLite always; PostgreSQL too when CARBONIO_TEST_PG_URL is set.
import { Buffer } from 'node:buffer';
import { startTestApp, type TestApp } from '../test/helpers/app.js';
import { easRequest, type EasResponse } from '../test/helpers/eas-client.js';
import { emptyContact, type ContactData } from '../src/pim/contact-model.js';
import { child, children, el, intOf, ns, textOf } from '../src/eas/wbxml/index.js';
import { printMeasured, report } from './lib.js';
import { initialSync } from './initial-sync.js';

const as = ns('AirSync');
const COUNT = Number(process.env.BENCH_CONTACTS_COUNT ?? 5_000);
const WINDOW = 100;
const PHOTO = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(4500, 0x33)]).toString('base64');

function contact(i: number): ContactData {
  const last = `Lastname${i}`;
  return {
    ...emptyContact(),
    fileAs: `${last}, First${i}`, firstName: `First${i}`, lastName: last, middleName: 'Q.',
    companyName: `Company ${i % 97}`, department: 'Sales', jobTitle: 'Account Manager', officeLocation: `Building ${i % 7}`,
    email1Address: `first${i}.last@example${i % 13}.com`, email2Address: `f${i}@mail.example.net`,
    mobilePhoneNumber: `+1 425 555 ${String(i % 10000).padStart(4, '0')}`, businessPhoneNumber: '+1 425 555 0100', homePhoneNumber: '+1 206 555 0199',
    businessAddressStreet: `${i} Main Street`, businessAddressCity: 'Redmond', businessAddressState: 'WA', businessAddressPostalCode: '98052',
    businessAddressCountry: 'USA', homeAddressStreet: `${i} Lake Road`, homeAddressCity: 'Bellevue', webPage: `https://example${i % 13}.com`,
    birthday: '1980-04-15T00:00:00.000Z', spouse: 'Pat', children: ['Sam', 'Alex'], nickName: `N${i}`, imAddress: `first${i}@im.example.com`,
    managerName: 'Kim Akers', body: `Met at conference ${i % 50}. Prefers e-mail.\nFollow up quarterly.`, bodyType: 1,
    picture: i % 10 === 0 ? PHOTO : '',
  };
}

async function run(backend: 'sqlite' | 'postgres'): Promise<void> {
  const app: TestApp = await startTestApp({ postgres: backend === 'postgres' });
  try {
    const account = await app.directory.createAccount({ email: 'user@example.com', password: 'bench-password-1' });
    const folder = (await app.store.mailbox.getFolderByRole(account.id, 'contacts'))!;
    for (let i = 0; i < COUNT; i++) {
      await app.store.mailbox.addItem(account.id, folder.id, { kind: 'contact', data: contact(i), categories: i % 3 === 0 ? ['Business'] : [] });
    }
    const cred = { user: account.email, password: 'bench-password-1', deviceId: `benchc${backend}`, version: '16.1' };
    const fs = await easRequest(app, { ...cred, cmd: 'FolderSync', body: el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')) });
    const adds = children(child(fs.root!, 'FolderHierarchy:Changes'), 'FolderHierarchy:Add');
    const collectionId = textOf(adds.find((a) => intOf(a, 'FolderHierarchy:Type') === 9), 'FolderHierarchy:ServerId')!;
    const options = as('Options', el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1), el('AirSyncBase:TruncationSize', 32768)));
    const sync = (key: string): Promise<EasResponse> => easRequest(app, {
      ...cred, cmd: 'Sync', body: as('Sync', as('Collections', as('Collection', as('SyncKey', key), as('CollectionId', collectionId), as('WindowSize', WINDOW), options))),
    });
    const { items: got, seconds, peakRss: peak } = await initialSync(sync);
    if (got !== COUNT) console.log(`warning: got ${got} of ${COUNT}`);
    report(`contacts sync initial ${backend}`, got / seconds, 'items/s');
    report(`contacts sync initial ${backend} peak rss`, peak / 1024 / 1024, 'MiB');
  } finally {
    await app.stop();
  }
}

await run('sqlite');
if (process.env.CARBONIO_TEST_PG_URL) await run('postgres');
printMeasured();
