/** Messages of the desktop app's engine state (merged into en-US / zh-CN by i18n/index.ts). */
const en = {
  coreStatus: {
    starting: 'Opening gallery…',
    restarting: 'Loupe’s engine stopped — restarting…',
    restartingHint: 'Unfinished jobs continue by themselves once it is back.',
    failed: 'Loupe’s engine stopped and could not be restarted',
    failedHint: 'Quit Loupe and open it again. If this keeps happening, the log says why:',
    reason: 'Reason: {reason}',
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
  },
}

export default { 'en-US': en, 'zh-CN': zh }
