import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import globals from 'globals'

const electronImport = {
  paths: [
    {
      name: 'electron',
      message: 'electron/core and electron/api must stay Electron-free (DESIGN.md).',
    },
  ],
}

/** The renderer's import rules (plus extra patterns for parts of it). */
function rendererImports(...extra) {
  return {
    paths: [
      {
        name: 'electron',
        message: 'The renderer talks to the core through the bridge only.',
      },
    ],
    patterns: [
      {
        group: [
          '**/electron/core/**',
          '**/electron/main/**',
          '**/electron/server/**',
          '**/electron/preload/**',
          'node:*',
        ],
        message: 'The renderer may import only electron/api and electron/domain from electron/.',
      },
      ...extra,
    ],
  }
}

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'resources/**',
      'bench/results/**',
      '**/*.d.ts',
      '.scratch*/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/attribute-hyphenation': 'off',
      'vue/v-on-event-hyphenation': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/first-attribute-linebreak': 'off',
    },
  },
  // The layers of DESIGN.md.
  {
    files: ['electron/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...electronImport,
          patterns: [
            {
              group: ['**/renderer/**', '@renderer/**', '**/main/**', '**/preload/**'],
              message: 'The core knows no hosts.',
            },
          ],
        },
      ],
    },
  },
  {
    // The core's process entry runs in an Electron utility process and under plain Node.
    files: ['electron/core-host/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'electron/core-host also runs under plain Node: no Electron import.',
            },
          ],
          patterns: [
            {
              group: [
                '**/renderer/**',
                '@renderer/**',
                '**/main/**',
                '**/preload/**',
                '**/server/**',
              ],
              message: 'electron/core-host uses the core, the contract and nothing else.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...electronImport,
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'crypto', 'http'],
              message: 'electron/api is pure TypeScript: no Node.',
            },
            {
              group: ['**/core/**', '**/main/**', '**/server/**', '**/preload/**', '@renderer/**'],
              message: 'electron/api imports nothing else.',
            },
          ],
        },
      ],
    },
  },
  {
    // The shared domain layer: pure TypeScript that api, core and renderer all import.
    files: ['electron/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...electronImport,
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'sharp', 'better-sqlite3'],
              message: 'electron/domain is pure TypeScript: no Node.',
            },
            {
              group: [
                '**/api/**',
                '**/core/**',
                '**/main/**',
                '**/server/**',
                '**/preload/**',
                '**/core-host/**',
                '**/renderer/**',
                '@api/**',
                '@renderer/**',
              ],
              message: 'electron/domain imports nothing but itself.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', rendererImports()] },
  },
  {
    // Components and views reach the core only through stores and composables.
    files: ['renderer/src/components/**/*.{ts,vue}', 'renderer/src/views/**/*.{ts,vue}'],
    rules: {
      'no-restricted-imports': [
        'error',
        rendererImports({
          group: ['**/bridge', '**/bridge/**'],
          message: 'Components reach the core through stores (src/stores) or composables.',
        }),
      ],
    },
  },
  {
    // Stores, composables and helpers never depend on components (helpers live in src/lib).
    files: ['renderer/src/stores/**/*.ts', 'renderer/src/composables/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        rendererImports({
          group: ['**/components/**', '**/views/**'],
          message: 'Stores and composables do not import components: move the helper to src/lib.',
        }),
      ],
    },
  },
  {
    files: ['renderer/src/lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        rendererImports({
          group: ['**/components/**', '**/views/**', '**/stores/**', '**/bridge', '**/bridge/**'],
          message: 'src/lib holds plain helpers: no components, stores or bridge.',
        }),
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{ts,mjs}'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
)
