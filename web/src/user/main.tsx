// The user page at `/` (issue 14): sign in with the account password, then "Mobile and app
// passwords" and "My devices".
import { render } from 'preact';
import { SignedIn } from '../components.js';
import { Credentials } from './credentials.js';
import { Devices } from './devices.js';

render(
  <SignedIn scope="user">{() => (
    <>
      <Credentials />
      <Devices />
    </>
  )}</SignedIn>,
  document.getElementById('app')!,
);
