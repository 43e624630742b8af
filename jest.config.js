// Native ESM jest: the @actions toolkit packages are ESM-only (see ../shared/notes/github-runtime.md).
const tsJest = [
  'ts-jest',
  { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: ['TS151001'] } }
]
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  resolver: 'ts-jest-resolver',
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node'
}

/** @type {import('jest').Config} */
export default {
  verbose: false,
  // testTimeout is global (a project cannot set it): cold cross builds on 2 cores take minutes.
  testTimeout: 600000,
  // One temp folder per run, removed at its end (__tests__/global-temp.mjs).
  globalSetup: '<rootDir>/__tests__/global-setup.mjs',
  globalTeardown: '<rootDir>/__tests__/global-teardown.mjs',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/*.test.ts'] },
    // Stages on a scripted process port: no go, git, C compiler or network (npm run test:fast).
    { ...common, displayName: 'hermetic', testMatch: ['<rootDir>/__tests__/hermetic/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/__tests__/integration/*.test.ts']
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/__tests__/e2e/*.test.ts']
    }
  ]
}
