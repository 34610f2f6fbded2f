// Builds the web console (issue 14) into dist/web: the user page (index.html) and the admin page
// (admin/index.html), sharing one Preact runtime chunk. No inline scripts or styles are emitted, so
// the server's Content-Security-Policy can stay at 'self'.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    // The module-preload polyfill is an inline script: modern browsers do not need it.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { user: here('index.html'), admin: here('admin/index.html') },
      // What both pages use (Preact, the shared components, the strings, the stylesheet) in one chunk named
      // for what it is, rather than after whichever of its modules the bundler met first.
      output: { manualChunks: (id: string) => (/[/\\]node_modules[/\\]|[/\\]web[/\\]src[/\\][^/\\]+$/.test(id) ? 'shared' : undefined) },
    },
  },
});
