import type { MethodName } from './define'
import type { Contract } from './contract'

/**
 * What an access token must allow to call a method of the contract, in one table (the headless
 * host's remote mode checks it; the renderer greys out what a read-only session cannot do):
 * - `read`: looking — search, gallery browsing, viewing jobs, tasks, folders and profiles;
 * - `full`: everything that changes data or server state (adding, deleting, editing, starting or
 *   stopping work, choosing the active profile), writes files on the server, reads files of the
 *   server by path, or makes the server call an address the caller chooses (testing a draft
 *   profile).
 * Typed over every method name: a method without a classification does not compile.
 */
export type AccessScope = 'read' | 'full'

export const METHOD_SCOPES: Record<MethodName<Contract>, AccessScope> = {
  'app.info': 'read',
  'app.tasks': 'read',

  'profiles.list': 'read',
  'profiles.create': 'full',
  'profiles.update': 'full',
  'profiles.remove': 'full',
  'profiles.activate': 'full',
  'profiles.test': 'full',

  'instance.detail': 'read',

  'images.add': 'full',
  'images.update': 'full',
  'images.remove': 'full',
  'images.exists': 'read',
  'images.inspect': 'read',

  'search.byPic': 'read',
  'search.byName': 'read',
  'search.byFilter': 'read',
  'search.byText': 'read',
  'search.compare': 'read',

  'jobs.list': 'read',
  'jobs.get': 'read',
  'jobs.wait': 'read',
  'jobs.items': 'read',
  'jobs.failuresCsv': 'read',
  'jobs.pause': 'full',
  'jobs.resume': 'full',
  'jobs.cancel': 'full',
  'jobs.retryFailed': 'full',
  'jobs.addRemaining': 'full',
  'jobs.remove': 'full',

  'bulk.plan': 'full',
  'bulk.planPage': 'full',
  'bulk.discardPlan': 'full',
  'bulk.derive': 'full',
  'bulk.start': 'full',
  'bulk.stage': 'full',
  'bulk.discardStage': 'full',

  'gallery.list': 'read',
  'gallery.groups': 'read',
  'gallery.get': 'read',
  'gallery.stats': 'read',
  'gallery.status': 'read',
  'gallery.update': 'full',
  'gallery.setCategory': 'full',
  'gallery.predictCategories': 'full',
  'gallery.remove': 'full',
  'gallery.export': 'full',
  'gallery.cancel': 'full',
  'gallery.revealSource': 'full',

  'tasks.dumpList': 'read',
  'tasks.dumpGet': 'read',
  'tasks.dumpWait': 'read',
  'tasks.dumpCreate': 'full',
  'tasks.dumpDownload': 'full',
  'tasks.dumpDiff': 'full',
  'tasks.dumpImport': 'full',

  'batch.list': 'read',
  'batch.get': 'read',
  'batch.lines': 'read',
  'batch.preview': 'full',
  'batch.create': 'full',
  'batch.retryFailed': 'full',
  'batch.cancel': 'full',

  'watch.list': 'read',
  'watch.files': 'read',
  'watch.pickFolder': 'full',
  'watch.samples': 'full',
  'watch.add': 'full',
  'watch.update': 'full',
  'watch.remove': 'full',
  'watch.pause': 'full',
  'watch.resume': 'full',
  'watch.reconcile': 'full',
  'watch.apply': 'full',
  'watch.rescan': 'full',

  'secrets.status': 'read',
  'secrets.setPlainText': 'full',

  'copy.plan': 'full',
  'copy.planItems': 'read',
  'copy.discardPlan': 'full',
  'copy.start': 'full',
  'copy.report': 'read',
  'eval.previewSet': 'full',
  'eval.start': 'full',
  'eval.runs': 'read',
  'eval.run': 'read',
  'eval.compare': 'read',
  'eval.export': 'full',
  'eval.thumbnail': 'read',
  'eval.remove': 'full',

  'duplicates.status': 'read',
  'duplicates.preview': 'read',
  'duplicates.groups': 'read',
  'duplicates.staged': 'read',
  'duplicates.scan': 'full',
  'duplicates.plan': 'full',
  'duplicates.discard': 'full',
  'duplicates.apply': 'full',
  'space.status': 'read',
  'space.learn': 'full',
  'space.apply': 'full',
  'space.revert': 'full',
}

/** The scope a method needs; `full` for a name the contract does not know (fail closed). */
export function requiredScope(name: string): AccessScope {
  return Object.prototype.hasOwnProperty.call(METHOD_SCOPES, name)
    ? METHOD_SCOPES[name as MethodName<Contract>]
    : 'full'
}

/** Whether a session of `scope` may call `name`. */
export function scopeAllows(scope: AccessScope, name: string): boolean {
  return scope === 'full' || requiredScope(name) === 'read'
}
