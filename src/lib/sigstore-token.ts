/**
 * Takes SIGSTORE_ID_TOKEN out of the environment and returns it ('' when unset). @sigstore/sign
 * signs with that variable instead of the job's OIDC token and prints a malformed one whole, so
 * no library or child process may see it: the attest port alone hands it to the signer, and only
 * when `attest` is on. The entry points (action, post step, CLI) call this before anything runs.
 */
export function takeSigstoreToken(env: Record<string, string | undefined>): string {
  const token = env.SIGSTORE_ID_TOKEN ?? ''
  delete env.SIGSTORE_ID_TOKEN
  return token
}
