// Bundles each entry point into a self-contained ESM file in dist/ (no chunks shared between
// entries, so an entry never runs another entry's top-level code). dist/ is committed; CI checks it is fresh.
import commonjs from '@rollup/plugin-commonjs'
import json from '@rollup/plugin-json'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import typescript from '@rollup/plugin-typescript'

const entries = ['main', 'post', 'cli']

export default entries.map(name => ({
  input: `src/${name}.ts`,
  // Dynamic imports (@actions/attest) become chunks named after their entry, loaded on use.
  output: {
    dir: 'dist',
    entryFileNames: `${name}.js`,
    chunkFileNames: `${name}-[name].js`,
    format: 'es',
    sourcemap: false
  },
  plugins: [
    typescript({ tsconfig: 'tsconfig.build.json', outDir: 'dist', rootDir: 'src' }),
    nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }),
    commonjs(),
    json()
  ],
  onwarn(warning, warn) {
    // The toolkit has circular imports and `this` at module scope; both are harmless there. A
    // cycle through our own code is a layering fault (stages → lib, never back): fail the bundle.
    if (warning.code === 'CIRCULAR_DEPENDENCY') {
      const ours = (warning.ids ?? []).filter(id => !id.includes('/node_modules/'))
      if (ours.length === 0) return
      throw new Error(`import cycle in src/: ${ours.join(' -> ')}`)
    }
    if (warning.code === 'THIS_IS_UNDEFINED') return
    warn(warning)
  }
}))
