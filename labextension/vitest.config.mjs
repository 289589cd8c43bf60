import { defineConfig } from 'vitest/config';

// Unit tests of the plugin's pure modules (models, collapse, request layer): `jlpm test`.
export default defineConfig({
  test: {
    include: ['tests/**/*.spec.ts'],
    environment: 'jsdom'
  }
});
