// ESLint (flat config) with typescript-eslint's recommended rules, run by `npm run lint` and CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/',
      '**/dist/',
      '**/build/',
      'coverage/',
      '.cache/',
      'leakproof-demo/',
      'fixtures/docs-samples/.projects/',
      '**/.tmp/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` parameters say "required by the signature, unused here".
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Errors are re-thrown with a message that already carries the cause's; Jest 30 would print
      // an attached cause a second time under every failure.
      'preserve-caught-error': 'off',
    },
  },
  {
    // CommonJS scripts, benchmarks and fixtures: require() is how they load modules.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/__tests__/**', 'fixtures/**', '**/*.suite.*'],
    languageOptions: { globals: { ...globals.jest, leakproof: 'readonly' } },
  },
);
