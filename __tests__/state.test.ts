import { validateState } from '../src/ports/state.js'

const good = {
  version: 2,
  caches: [{ spec: { kind: 'build', path: '/c', key: 'k', restoreKeys: [] }, matchedKey: '' }],
  restoredAt: 1,
  restoredBytes: 0,
  baseFiles: '',
  saveBlockedBy: ''
}

test('a well-formed state passes, with every kind of cache', () => {
  expect(validateState(JSON.parse(JSON.stringify(good)))).toEqual(good)
  const all = {
    ...good,
    caches: (['module', 'build-base', 'build'] as const).map(kind => ({
      spec: { kind, path: '/c', key: kind, restoreKeys: [] },
      matchedKey: ''
    })),
    baseFiles: '/tmp/list'
  }
  expect(validateState(JSON.parse(JSON.stringify(all)))).toEqual(all)
})

test.each([
  [1, null, /not an object/],
  [2, { ...good, version: 1 }, /state version 1 is not 2/],
  [3, { ...good, caches: {} }, /not a list/],
  [
    4,
    { ...good, caches: [{ spec: { kind: 'other', path: '/c', key: 'k' }, matchedKey: '' }] },
    /without kind/
  ],
  [5, { ...good, restoredAt: 'now' }, /restoredAt/],
  [6, { ...good, baseFiles: undefined }, /baseFiles/]
])('[%d] a broken state is rejected', (_n, value, message) => {
  expect(() => validateState(value)).toThrow(message)
})
