// Login names as phones and mail clients send them: `user@domain`, `DOMAIN\user`, or a bare `user`
// in the default domain. Returns the lower-case address, or null when it cannot be one.
export function normalizeLogin(login: string, defaultDomain: string): string | null {
  let s = login.trim().toLowerCase();
  if (!s || s.length > 320 || /[\s\x00-\x1f]/.test(s)) return null;
  const bs = s.indexOf('\\');
  if (bs >= 0) {
    const dom = s.slice(0, bs);
    const user = s.slice(bs + 1);
    if (!user) return null;
    // A NetBIOS-style domain ("EXAMPLE\john") names no DNS domain: use the default one.
    s = user.includes('@') ? user : `${user}@${dom.includes('.') ? dom : defaultDomain}`;
  } else if (!s.includes('@')) {
    s = `${s}@${defaultDomain}`;
  }
  const at = s.lastIndexOf('@');
  if (at < 1 || at === s.length - 1 || s.indexOf('@') !== at) return null;
  return s;
}
