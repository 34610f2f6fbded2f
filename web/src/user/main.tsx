// The user page at `/` (issue 14): sign in with the account password, then "Mobile and app
// passwords", "My devices" and out-of-office.
import { render } from 'preact';
import { SignedIn } from '../components.js';
import { Credentials } from '../credentials.js';
import { Devices } from './devices.js';
import { OutOfOffice } from './oof.js';

render(
  <SignedIn scope="user">{() => (
    <>
      <Credentials base="/api/self/credentials" owner={null} />
      <Devices />
      <OutOfOffice />
    </>
  )}</SignedIn>,
  document.getElementById('app')!,
);
