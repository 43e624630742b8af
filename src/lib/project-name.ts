/** Module path's last element without a /vN major-version suffix: the default binary and project name. */
export function projectNameOf(modulePath: string): string {
  const parts = modulePath.split('/').filter(Boolean)
  let last = parts.pop() ?? 'app'
  if (/^v\d+$/.test(last) && parts.length > 0) last = parts.pop()!
  return last
}
