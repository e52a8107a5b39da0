// Prints the plain closing line "N passed, N failed" from vitest's JSON report, and exits non-zero
// when a test or a test file failed, or when no test ran at all.
import fs from 'node:fs'

const file = process.argv[2] ?? 'node_modules/.cache/vitest-report.json'
if (!fs.existsSync(file)) {
  console.log('0 passed, 1 failed')
  console.error(`No test report at ${file}: vitest did not finish.`)
  process.exit(1)
}
const r = JSON.parse(fs.readFileSync(file, 'utf8'))
const passed = r.numPassedTests ?? 0
const failed = r.numFailedTests ?? 0
const brokenFiles = r.numFailedTestSuites ?? 0
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
if (brokenFiles) console.error(`${brokenFiles} test suite(s) failed (files and describe blocks)`)
console.log(
  `${passed} passed, ${failed + (failed === 0 ? brokenFiles : 0)} failed${skipped ? `, ${skipped} skipped` : ''}`,
)
if (failed > 0 || brokenFiles > 0 || passed === 0) process.exit(1)
