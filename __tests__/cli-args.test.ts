import { parseCliArgs } from '../src/cli-args.js'

test.each([
  [1, ['--targets', 'linux/amd64'], { targets: 'linux/amd64' }],
  [2, ['--targets=linux/amd64,darwin/arm64'], { targets: 'linux/amd64,darwin/arm64' }],
  [
    3,
    ['--targets', 'linux/amd64', '--targets', 'windows/amd64'],
    { targets: 'linux/amd64\nwindows/amd64' }
  ],
  [4, ['--ldflags=-s -w', '--dist', 'out'], { ldflags: '-s -w', dist: 'out' }],
  [5, ['--version', '$(id)'], { version: '$(id)' }]
])('[%d] %j', (_n, argv, expected) => {
  expect(Object.fromEntries(parseCliArgs(argv))).toEqual(expected)
})

test.each([
  [1, ['--nope', 'x'], /unknown option "--nope"/],
  [2, ['targets'], /unknown option "targets"/],
  [3, ['--targets'], /--targets needs a value/]
])('[%d] %j is refused', (_n, argv, message) => {
  expect(() => parseCliArgs(argv)).toThrow(message)
})
