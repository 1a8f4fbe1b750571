import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'imports/', '.cdk8s.out/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests inspect synthesized JSON, which has no static type.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      'no-restricted-properties': [
        'error',
        {
          object: 'Testing',
          property: 'app',
          message: 'It leaves an empty folder in the temporary folder per call: new App({ outdir: UNWRITTEN_OUTDIR }).',
        },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
      'no-restricted-imports': [
        'error',
        {
          name: 'cdk8s-plus-27',
          message: "Import { k8s } from lib/platform/k8s.ts: the package's index also loads every L2 construct.",
        },
      ],
    },
  },
);
