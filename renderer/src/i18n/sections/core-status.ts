/** Messages of the desktop app's engine state (merged into en-US / zh-CN by i18n/index.ts). */
const en = {
  coreStatus: {
    starting: 'Opening gallery…',
    restarting: 'Loupe’s engine stopped — restarting…',
    restartingHint: 'Unfinished jobs continue by themselves once it is back.',
    failed: 'Loupe’s engine stopped and could not be restarted',
    failedHint: 'Quit Loupe and open it again. If this keeps happening, the log says why:',
    reason: 'Reason: {reason}',
    task: {
      engineLoad: 'Loading the search index of “{profile}”',
      modelLoad: 'Starting the local engine: loading the picture model',
      galleryMigration: 'Updating the gallery cache of “{profile}”',
      dumpImport: 'Importing the gallery export of “{profile}”',
      other: 'Working on “{profile}”',
    },
    stage: { reading: 'reading the file', applying: 'writing the cache' },
    /** A job that has started but finished no picture yet (its first calls are on their way). */
    warming: 'Starting the engine…',
    warmingSend: 'sending the first pictures',
  },
}

const zh: typeof en = {
  coreStatus: {
    starting: '正在打开图库…',
    restarting: 'Loupe 引擎已停止 — 正在重新启动…',
    restartingHint: '引擎恢复后,未完成的任务会自动继续。',
    failed: 'Loupe 引擎已停止,无法重新启动',
    failedHint: '请退出并重新打开 Loupe。如果问题反复出现,可在日志中查看原因:',
    reason: '原因:{reason}',
    task: {
      engineLoad: '正在加载“{profile}”的搜索索引',
      modelLoad: '正在启动本地引擎:加载图片模型',
      galleryMigration: '正在更新“{profile}”的图库缓存',
      dumpImport: '正在导入“{profile}”的图库导出',
      other: '正在处理“{profile}”',
    },
    stage: { reading: '读取文件', applying: '写入缓存' },
    warming: '正在启动引擎…',
    warmingSend: '正在发送第一批图片',
  },
}

export default { 'en-US': en, 'zh-CN': zh }
