import { ProgramNotFoundError } from '../../src/ports/process.js'
import { scriptedProcess } from '../fakes/scripted-process.js'

// The fake every hermetic test stands on: it must refuse what it was not told to expect.
describe('the scripted process port', () => {
  test('answers an expected call with its canned result and records it', async () => {
    const p = scriptedProcess([
      { program: 'go', args: ['version'], result: { stdout: 'go version go1.26.8 linux/amd64\n' } }
    ])
    await expect(p.run('go', ['version'], { cwd: '/m' })).resolves.toEqual({
      code: 0,
      stdout: 'go version go1.26.8 linux/amd64\n',
      stderr: ''
    })
    expect(p.calls).toEqual([{ file: 'go', args: ['version'], options: { cwd: '/m' } }])
    expect(() => p.done()).not.toThrow()
  })

  test('an unexpected call throws showing its argv and what was expected, and done() fails too', async () => {
    const p = scriptedProcess([{ program: 'go', args: ['mod', 'download'] }])
    await expect(p.run('go', ['build', '-o', 'out dir/app', '.'])).rejects.toThrow(
      'unexpected process call #1: go build -o "out dir/app" .\n  cwd: undefined\nexpected one of:\n  - go mod download [other arguments]'
    )
    expect(() => p.done()).toThrow(
      /unexpected process call #1[^]*expected calls never made:\n {2}- go mod download/
    )
  })

  test('a call with the wrong cwd or environment says which', async () => {
    const p = scriptedProcess([
      { program: 'go', args: ['build'], cwd: '/m', env: { GOOS: 'linux', CC: undefined } }
    ])
    await expect(p.run('go', ['build'], { cwd: '/x' })).rejects.toThrow(
      '- go build (in /m) [cwd is /x, expected /m]'
    )
    await expect(
      p.run('go', ['build'], { cwd: '/m', env: { GOOS: 'linux', CC: 'gcc' } })
    ).rejects.toThrow('[CC is "gcc", expected undefined]')
    await expect(
      p.run('go', ['build'], { cwd: '/m', env: { GOOS: 'linux' } })
    ).resolves.toBeDefined()
  })

  test('ordered: a call out of turn is unexpected', async () => {
    const p = scriptedProcess(
      [
        { program: 'go', args: ['mod', 'download'] },
        { program: 'go', args: ['build'] }
      ],
      { ordered: true }
    )
    await expect(p.run('go', ['build'])).rejects.toThrow(
      'expected next:\n  - go mod download [other arguments]'
    )
    await p.run('go', ['mod', 'download'])
    await p.run('go', ['build'])
    expect(p.argv()).toEqual([
      ['go', 'build'],
      ['go', 'mod', 'download'],
      ['go', 'build']
    ])
    expect(() => p.done()).toThrow('unexpected process call #1')
  })

  test('times, thrown errors and side effects', async () => {
    const written: string[] = []
    const p = scriptedProcess([
      { program: 'cc', args: ['--version'], throws: new ProgramNotFoundError('cc') },
      {
        program: 'go',
        args: args => args[0] === 'build',
        times: 2,
        effect: call => written.push(call.args[1]!)
      },
      { program: 'git', args: () => true, times: 'any', result: { code: 128 } }
    ])
    await expect(p.run('cc', ['--version'])).rejects.toThrow(ProgramNotFoundError)
    await p.run('go', ['build', 'a'])
    expect(() => p.done()).toThrow('go <args predicate> (1 of 2 calls)')
    await p.run('go', ['build', 'b'])
    await expect(p.run('go', ['build', 'c'])).rejects.toThrow('unexpected process call #4')
    expect(written).toEqual(['a', 'b'])
  })
})
