import { defineConfig } from '@playwright/test';

// Started by scripts/e2e.sh (`make e2e`), which serves the release build on a free
// port with a fresh PostgreSQL database and passes its address here.
const baseURL = process.env.KEYWARD_E2E_BASE_URL;
if (!baseURL) {
  throw new Error('KEYWARD_E2E_BASE_URL is not set: run the suite with `make e2e`.');
}

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  outputDir: 'test-results',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    browserName: 'chromium',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Debian's Chromium: Playwright cannot download browsers here (GUIDE.md).
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'first-run', testMatch: /first-run\.spec\.ts/ },
    { name: 'chromium', testIgnore: /first-run\.spec\.ts/, dependencies: ['first-run'] },
  ],
});
