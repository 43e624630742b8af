import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// Inputs are data: never hand a string to a shell.
const NO_SHELL = [
  { name: 'node:child_process', importNames: ['exec', 'execSync'] },
  { name: 'child_process', importNames: ['exec', 'execSync'] }
]

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'coverage/**', 'examples/**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { paths: NO_SHELL }]
    }
  },
  {
    // Stages never import each other: what two stages share lives in a domain module or src/lib.
    files: ['src/stages/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NO_SHELL,
          patterns: [{ group: ['./*'], message: 'stages never import each other (DESIGN.md)' }]
        }
      ]
    }
  },
  {
    // src/lib is the leaf layer: it imports node and packages, nothing else of src/.
    files: ['src/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NO_SHELL,
          patterns: [{ group: ['../*'], message: 'src/lib imports nothing from src/ (DESIGN.md)' }]
        }
      ]
    }
  }
)
