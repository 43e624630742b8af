// P6's loopback GitHub REST service in a process of its own (the e2e tests' stand-in, compiled
// into build/ by `npm run bench`), so the client under test and the service do not share one
// event loop, as they never do against GitHub. Driven over the IPC channel of child_process.fork:
// it sends { url, uploadsUrl, token, repository, owner, repo } once it listens, answers 'report'
// with { calls, contractViolations, releases } and exits on 'stop' or when the bench goes away.
import { startGitHubService } from '../build/__tests__/services/github.js'

const service = await startGitHubService()
const stop = async () => {
  await service.stop()
  process.exit(0)
}
process.on('disconnect', stop)
process.on('message', message => {
  if (message.type === 'report') {
    process.send({
      type: 'report',
      calls: service.calls,
      contractViolations: service.contractViolations,
      releases: service.releases()
    })
  } else if (message.type === 'stop') {
    void stop()
  }
})
process.send({
  type: 'ready',
  url: service.url,
  uploadsUrl: service.uploadsUrl,
  token: service.token,
  repository: service.repository,
  owner: service.owner,
  repo: service.repo
})
