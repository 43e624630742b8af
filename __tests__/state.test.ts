import { validateState } from '../src/ports/state.js'

const good = {
  version: 1,
  caches: [{ spec: { kind: 'build', path: '/c', key: 'k', restoreKeys: [] }, matchedKey: '' }],
  restoredAt: 1,
  restoredBytes: 0,
  saveBlockedBy: ''
}

test('a well-formed state passes', () => {
  expect(validateState(JSON.parse(JSON.stringify(good)))).toEqual(good)
})

test.each([
  [1, null, /not an object/],
  [2, { ...good, version: 2 }, /state version 2 is not 1/],
  [3, { ...good, caches: {} }, /not a list/],
  [
    4,
    { ...good, caches: [{ spec: { kind: 'other', path: '/c', key: 'k' }, matchedKey: '' }] },
    /without kind/
  ],
  [5, { ...good, restoredAt: 'now' }, /restoredAt/]
])('[%d] a broken state is rejected', (_n, value, message) => {
  expect(() => validateState(value)).toThrow(message)
})
