/** Messages the near-duplicate audit's core sends (notifications of its job, `dupAudit.notify.*`). */
const en = {
  dupAudit: {
    notify: {
      done: {
        title: 'Near-duplicate audit finished',
        body: '{groups} groups of near-duplicates at similarity ≥ {threshold} among {pictures} pictures ({across} across products, {within} within one).',
      },
      failed: { title: 'Near-duplicate audit failed', body: '{message}' },
    },
  },
}

const zh: typeof en = {
  dupAudit: {
    notify: {
      done: {
        title: '近似重复检查已完成',
        body: '在 {pictures} 张图片中发现 {groups} 组相似度 ≥ {threshold} 的近似重复({across} 组跨商品,{within} 组在同一商品内)。',
      },
      failed: { title: '近似重复检查失败', body: '{message}' },
    },
  },
}

export default { 'en-US': en, 'zh-CN': zh }
