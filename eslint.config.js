import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/commands/meta.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    // The server's code takes these from their modules: as globals they are getters (Buffer) or
    // global lookups (performance), paid on every use in hot paths.
    files: ['src/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: "import { Buffer } from 'node:buffer'" },
        { name: 'performance', message: "import { performance } from 'node:perf_hooks'" },
      ],
    },
  },
);
