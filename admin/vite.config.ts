import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The admin UI, served by the app at /admin (src/app.admin-site.ts). Everything it needs
// ships in the build: no CDN.
export default defineConfig({
  root: import.meta.dirname,
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    reportCompressedSize: false,
  },
});
