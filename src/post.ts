import { runPost } from './post-run.js'
import { actionsCache } from './ports/cache.js'
import { realClock } from './ports/clock.js'
import { actionsLog } from './ports/log.js'
import { actionsOutputs } from './ports/outputs.js'
import { actionsState } from './ports/state.js'
import { takeSigstoreToken } from './lib/sigstore-token.js'

// The main step masked it; no program the cache client starts (tar, zstd) needs it either.
takeSigstoreToken(process.env)

await runPost({
  cache: actionsCache,
  state: actionsState,
  log: actionsLog,
  outputs: actionsOutputs,
  clock: realClock
})
// Exit explicitly: open keep-alive sockets of the cache client must not keep the runner waiting.
process.exit(0)
