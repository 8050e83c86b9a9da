import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'test/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // Config files and the plain-JS entry points sit outside tsconfig; they get a default project.
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'test/setup/*.mjs', 'codec/*.cjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A forgotten await on a Temporal or IDWise call is a bug, not a style choice.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'object-shorthand': 'error',
      'no-duplicate-imports': 'error',
    },
  },
  {
    // Workflows run in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries.
    files: ['workflows/**/*.ts', 'shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows must be deterministic: do I/O in activities.' },
            {
              group: [
                'fs',
                'path',
                'os',
                'crypto',
                'http',
                'https',
                'net',
                'child_process',
                'url',
                'stream',
                'util',
                'timers',
              ],
              message: 'Workflows must be deterministic: do I/O in activities.',
            },
            {
              group: [
                'got',
                '**/idwise/*',
                '**/pii/*',
                '@temporalio/activity',
                '@temporalio/client',
                '@temporalio/worker',
              ],
              message: 'Not available in the workflow sandbox.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'Buffer'],
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    // CommonJS on purpose: the SDK require()s the failure converter by path (codec/data-converter.ts).
    files: ['**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
