/** The local engine's task API: DumpMeta / DumpMetaList and IncreaseInstance / IncreaseList. */
import type {
  DumpMetaListResult,
  DumpMetaResult,
  IncreaseInstanceRequest,
  IncreaseInstanceResult,
  IncreaseListRequest,
  IncreaseListResult,
  ListRequest,
  TaskStatus,
} from '../types'
import type { Background } from './background'
import { taskFolder } from './batch-path'
import type { EngineContext } from './context'
import { badRequest, optionalString, requireString } from './validate'

export function createTasksApi(ctx: EngineContext, background: Background) {
  const { store, fileUrl } = ctx

  return {
    async dumpMeta(requestId: string): Promise<DumpMetaResult> {
      const id = store.createDumpTask(Date.now())
      background.pruneDumps()
      background.startDump(id)
      return { requestId, dumpMetaStatus: 'PROCESSING', id }
    },

    async dumpMetaList(requestId: string, req: ListRequest): Promise<DumpMetaListResult> {
      const { pageNumber, pageSize, id } = cleanList(req ?? {}, 30)
      const where = { id }
      const rows = store.dumpTasks(where, pageSize, (pageNumber - 1) * pageSize)
      return {
        requestId,
        pageNumber,
        pageSize,
        totalCount: store.countDumpTasks(where),
        dumpMetaList: rows.map((t) => ({
          id: t.id,
          status: t.status,
          code: t.code,
          message: t.message,
          metaUrl: t.status === 'SUCCESS' && t.file ? fileUrl(t.file) : null,
          utcCreate: t.utcCreate,
          utcModified: t.utcModified,
        })),
      }
    },

    async increaseInstance(
      requestId: string,
      req: IncreaseInstanceRequest,
    ): Promise<IncreaseInstanceResult> {
      const bucketName = requireString(req?.bucketName, 'BucketName', 256)
      const p = requireString(req.path, 'Path', 1024)
      taskFolder(ctx.batchRoot, bucketName, p)
      const callback = optionalString(req.callbackAddress, 'CallbackAddress', 1024)
      if (callback !== undefined && callback !== '' && !/^https?:\/\//i.test(callback)) {
        throw badRequest('CallbackAddress must start with http:// or https://.')
      }
      const id = store.createIncreaseTask(bucketName, p, callback || null, Date.now())
      background.enqueueIncrease(id)
      return { requestId, incrementStatus: 'PROCESSING', id }
    },

    async increaseList(requestId: string, req: IncreaseListRequest): Promise<IncreaseListResult> {
      const { pageNumber, pageSize, id } = cleanList(req ?? {}, 100)
      const where = {
        id,
        bucketName: optionalString(req?.bucketName, 'BucketName', 256) || undefined,
        path: optionalString(req?.path, 'Path', 1024) || undefined,
        status: cleanStatus(req?.status),
      }
      const rows = store.increaseTasks(where, pageSize, (pageNumber - 1) * pageSize)
      return {
        requestId,
        pageNumber,
        pageSize,
        totalCount: store.countIncreaseTasks(where),
        increments: rows.map((t) => ({
          id: t.id,
          bucketName: t.bucketName,
          path: t.path,
          status: t.status,
          code: t.code,
          message: t.message,
          errorUrl: t.errorFile ? fileUrl(t.errorFile) : null,
          callbackAddress: t.callbackAddress,
          utcCreate: t.utcCreate,
          utcModified: t.utcModified,
        })),
      }
    },
  }
}

function cleanList(req: ListRequest, maxPageSize: number) {
  const int = (v: unknown, field: string, def: number, min: number, max: number) => {
    if (v === undefined || v === null) return def
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw badRequest(`${field} must be an integer from ${min} to ${max}, got ${String(v)}.`)
    }
    return v
  }
  return {
    pageNumber: int(req.pageNumber, 'PageNumber', 1, 1, 1_000_000),
    pageSize: int(req.pageSize, 'PageSize', 10, 1, maxPageSize),
    id:
      req.id === undefined || req.id === null
        ? undefined
        : int(req.id, 'Id', 0, 0, Number.MAX_SAFE_INTEGER),
  }
}

function cleanStatus(s: unknown): TaskStatus | undefined {
  if (s === undefined || s === null || s === '') return undefined
  if (s === 'PROCESSING' || s === 'SUCCESS' || s === 'FAIL') return s
  throw badRequest(`Status must be PROCESSING, SUCCESS or FAIL, got ${String(s)}.`)
}
