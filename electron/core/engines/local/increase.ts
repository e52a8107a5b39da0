import { ATTR_WIRE, INT_ATTR_KEYS, STR_ATTR_KEYS } from '../../../domain'
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import { CoreError } from '../../errors'
import { EngineError } from '../errors'
import type { AddImageRequest } from '../types'
import { fsReason, picturePath, realInside, taskFolder } from './batch-path'
import { MAX_PICTURE_BYTES } from './picture'
import type { Store } from './store'
import { writePrivateFile } from '../../util/private-fs'
import { logf } from '../../log-text'

export interface IncreaseDeps {
  store: Store
  /** Batch root folder (bucket `local`). */
  batchRoot: string
  /** Where error files are written. */
  errorDir: string
  instanceName: string
  add(req: AddImageRequest): Promise<void>
  remove(productId: string, picName: string | undefined): Promise<void>
  fileUrl(abs: string): string
  log?(msg: string, err?: unknown): void
}

/** Progress is saved every this many lines, so a restart resumes close to where it stopped. */
const SAVE_EVERY = 25

/**
 * Runs batch (IncreaseInstance) tasks one at a time, in id order. A task reads `increment.meta`
 * (one JSON object per line: OperationType ADD or DELETE, ProductId, PicName, and for ADD the
 * attributes, Crop and Region) from its folder; ADD reads the picture at PicName relative to that
 * folder. Every failed line is recorded with its reason and listed in the task's error file.
 * Tasks still PROCESSING when the engine opens are resumed from their saved line.
 */
export class IncreaseRunner {
  private queue: number[] = []
  private current: Promise<void> | null = null
  private stopping = false

  constructor(private readonly deps: IncreaseDeps) {}

  enqueue(id: number): void {
    if (!this.queue.includes(id)) this.queue.push(id)
    this.pump()
  }

  /** Resolves when no task is queued or running. */
  async whenIdle(): Promise<void> {
    while (this.current) await this.current
  }

  async close(): Promise<void> {
    this.stopping = true
    this.queue = []
    await this.whenIdle()
  }

  private pump(): void {
    if (this.current || this.stopping) return
    const id = this.queue.shift()
    if (id === undefined) return
    this.current = this.run(id)
      .catch((e) => this.deps.log?.(`increase task ${id} crashed`, e))
      .finally(() => {
        this.current = null
        this.pump()
      })
  }

  private async run(id: number): Promise<void> {
    const { store } = this.deps
    const task = store.increaseTask(id)
    if (!task || task.status !== 'PROCESSING') return
    store.updateIncreaseProgress(id, { message: 'running' }, Date.now())
    let metaFile: string
    let folder: string
    let realRoot: string
    try {
      const f = taskFolder(this.deps.batchRoot, task.bucketName, task.path)
      try {
        realRoot = fs.realpathSync(this.deps.batchRoot)
      } catch {
        throw new EngineError(
          'BadRequest',
          `The batch root folder of bucket "${task.bucketName}" does not exist.`,
        )
      }
      folder = realInside(realRoot, f, `Folder ${task.path}`)
      if (!fs.statSync(folder).isDirectory()) {
        throw new EngineError('BadRequest', `${task.path} is not a folder.`)
      }
      const m = path.join(folder, 'increment.meta')
      if (!fs.existsSync(m))
        throw new EngineError('BadRequest', `no increment.meta file in ${task.path}`)
      metaFile = realInside(realRoot, m, 'increment.meta')
      if (!fs.statSync(metaFile).isFile()) {
        throw new EngineError('BadRequest', `increment.meta in ${task.path} is not a file.`)
      }
      try {
        fs.accessSync(metaFile, fs.constants.R_OK)
      } catch (e) {
        throw new EngineError(
          'BadRequest',
          `increment.meta in ${task.path} cannot be read (${fsReason(e)}).`,
        )
      }
    } catch (e) {
      const err = asEngineError(e)
      store.updateIncreaseProgress(
        id,
        { status: 'FAIL', code: err.code, message: err.message },
        Date.now(),
      )
      await this.callback(id)
      return
    }

    let lineNo = 0
    let ok = task.okLines
    let failed = task.failedLines
    const resumeFrom = task.nextLine
    const input = fs.createReadStream(metaFile, { encoding: 'utf8' })
    const rl = readline.createInterface({ input, crlfDelay: Infinity })
    let interrupted = false
    try {
      for await (const raw of rl) {
        lineNo++
        if (lineNo <= resumeFrom) continue
        if (this.stopping) {
          interrupted = true
          break
        }
        const line = raw.replace(/^\uFEFF/, '').trim()
        if (line !== '') {
          const outcome = await this.line(line, folder, realRoot)
          if (outcome === null) ok++
          else {
            failed++
            store.addIncreaseFailure(id, lineNo, outcome)
          }
        }
        if (lineNo % SAVE_EVERY === 0) {
          store.updateIncreaseProgress(
            id,
            { nextLine: lineNo, okLines: ok, failedLines: failed },
            Date.now(),
          )
        }
      }
    } finally {
      rl.close()
      input.destroy()
    }
    if (interrupted) {
      store.updateIncreaseProgress(
        id,
        { nextLine: lineNo - 1, okLines: ok, failedLines: failed, message: 'queued' },
        Date.now(),
      )
      return
    }
    let errorFile: string | null = null
    if (failed > 0) {
      errorFile = path.join(this.deps.errorDir, `increase-${id}-errors.jsonl`)
      const body = store
        .increaseFailures(id)
        .map((f) =>
          JSON.stringify({
            Line: f.line,
            OperationType: f.operation,
            ProductId: f.productId,
            PicName: f.picName,
            Code: f.code,
            Message: f.message,
          }),
        )
        .join('\n')
      writePrivateFile(errorFile, body + '\n')
    }
    const total = ok + failed
    store.updateIncreaseProgress(
      id,
      {
        status: 'SUCCESS',
        code: '0',
        message:
          failed === 0
            ? `success (${ok} lines)`
            : `Some lines failed and were set apart: ${failed} of ${total} failed; see the error file.`,
        errorFile,
        nextLine: lineNo,
        okLines: ok,
        failedLines: failed,
      },
      Date.now(),
    )
    await this.callback(id)
  }

  /** Processes one line; null on success, else the failure to record. */
  private async line(
    line: string,
    folder: string,
    realRoot: string,
  ): Promise<{
    operation: string | null
    productId: string | null
    picName: string | null
    code: string
    message: string
  } | null> {
    let o: Record<string, unknown>
    try {
      const parsed: unknown = JSON.parse(line)
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object')
      o = parsed as Record<string, unknown>
    } catch {
      return {
        operation: null,
        productId: null,
        picName: null,
        code: 'InvalidMetaItem',
        message: 'The line is not a JSON object.',
      }
    }
    const operation = typeof o.OperationType === 'string' ? o.OperationType : null
    const productId =
      typeof o.ProductId === 'string'
        ? o.ProductId
        : o.ProductId == null
          ? null
          : String(o.ProductId)
    const picName = typeof o.PicName === 'string' ? o.PicName : null
    const fail = (code: string, message: string) => ({
      operation,
      productId,
      picName,
      code,
      message,
    })
    try {
      const op = operation?.toUpperCase()
      if (op === 'DELETE') {
        if (!productId) return fail('InvalidMetaItem', 'ProductId is required.')
        await this.deps.remove(productId, picName ?? undefined)
        return null
      }
      if (op !== 'ADD') {
        return fail(
          'InvalidMetaItem',
          `OperationType must be ADD or DELETE, got ${JSON.stringify(o.OperationType ?? null)}.`,
        )
      }
      if (!productId) return fail('InvalidMetaItem', 'ProductId is required.')
      if (!picName) return fail('InvalidMetaItem', 'PicName is required.')
      const file = realInside(realRoot, picturePath(folder, picName), `Picture ${picName}`)
      let st: fs.Stats
      let bytes: Buffer
      try {
        st = fs.statSync(file)
        bytes =
          st.isFile() && st.size <= MAX_PICTURE_BYTES ? fs.readFileSync(file) : Buffer.alloc(0)
      } catch (e) {
        return fail('BadRequest', `Picture ${picName} cannot be read (${fsReason(e)}).`)
      }
      if (!st.isFile()) return fail('BadRequest', `Picture ${picName} is not a file.`)
      if (st.size > MAX_PICTURE_BYTES) {
        return fail(
          'BadRequest',
          `Picture ${picName} is ${(st.size / 1048576).toFixed(2)} MB; an image can be at most 4 MB.`,
        )
      }
      const req: AddImageRequest = {
        productId,
        picName,
        picContent: bytes,
      }
      const num = (k: string) =>
        o[k] === undefined || o[k] === null ? undefined : (o[k] as number)
      const str = (k: string) =>
        o[k] === undefined || o[k] === null ? undefined : (o[k] as string)
      req.categoryId =
        typeof o.CategoryId === 'string' && /^\d+$/.test(o.CategoryId)
          ? Number(o.CategoryId)
          : num('CategoryId')
      req.customContent = str('CustomContent')
      for (const k of INT_ATTR_KEYS) req[k] = num(ATTR_WIRE[k])
      for (const k of STR_ATTR_KEYS) req[k] = str(ATTR_WIRE[k])
      if (o.Crop !== undefined && o.Crop !== null) req.crop = o.Crop as boolean
      req.region = str('Region')
      await this.deps.add(req)
      return null
    } catch (e) {
      const err = asEngineError(e)
      return fail(err.code, err.message)
    }
  }

  private async callback(id: number): Promise<void> {
    const t = this.deps.store.increaseTask(id)
    if (!t?.callbackAddress) return
    const body = {
      finishTime: formatTime(new Date(t.utcModified)),
      instanceId: this.deps.instanceName,
      instanceName: this.deps.instanceName,
      message: t.status === 'SUCCESS' && t.failedLines === 0 ? 'success' : (t.message ?? ''),
      processResultUrl: t.errorFile ? this.deps.fileUrl(t.errorFile) : '',
      status: t.status === 'SUCCESS' ? 'NORMAL' : 'FAIL',
      taskId: t.id,
    }
    try {
      await fetch(t.callbackAddress, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      })
    } catch (e) {
      this.deps.log?.(logf`increase task ${id}: callback to ${t.callbackAddress} failed`, e)
    }
  }
}

/** A CoreError as it is; anything else as UnknownException, a file system error without its path. */
function asEngineError(e: unknown): CoreError {
  if (e instanceof CoreError) return e
  if (
    typeof (e as NodeJS.ErrnoException)?.code === 'string' &&
    (e as NodeJS.ErrnoException).syscall
  )
    return new EngineError('UnknownException', `A file cannot be read (${fsReason(e)}).`)
  return new EngineError('UnknownException', (e as Error)?.message ?? String(e))
}

function formatTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}
