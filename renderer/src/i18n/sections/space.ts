/** The Instance view's adapted search space (core engines/local/space.ts; `space.*`). */
const en = {
  space: {
    title: 'Adapted search space',
    intro:
      'Loupe can adapt its picture descriptor to this gallery: it learns from your own pictures (no labels needed — each picture and a changed view of it) and measures before → after on them. Switch it on only when it helps; the stored vectors never change, so switching back is exact.',
    usingPlain: 'Searches use the plain descriptor.',
    usingSpace: 'Searches use adapted space {id} (switched on {date}).',
    pictures: '{n} pictures can teach a space (at least {min}; a few thousand is best).',
    tooFew: 'Add at least {min} pictures to learn a space: this gallery has {n}.',
    suggest:
      'This gallery has passed {n} pictures: a space learned from it may find your products better. Learning runs in the background (a job) and changes nothing until you switch it on.',
    learn: 'Learn from this gallery',
    learnAgain: 'Learn again',
    learning:
      'Learning… {done} of {total} steps (describing a changed view of each sampled picture, then learning)',
    learningQueued: 'Learning is waiting in the Jobs queue.',
    learningPaused: 'Learning is paused: resume it in the Jobs panel.',
    switchOn: 'Switch on',
    switchOnAnyway: 'Switch on anyway',
    switchOff: 'Switch back to the plain descriptor',
    switching: 'Re-projecting the gallery… searches wait a few seconds.',
    switchedOn: 'Searches now use adapted space {id}.',
    switchedOff: 'Searches use the plain descriptor again.',
    none: 'No space learned yet.',
    col: {
      space: 'Space',
      measure: 'Measured on this gallery',
      before: 'Plain',
      after: 'Adapted',
      change: 'Queries',
    },
    heldOut: "Held-out views, R{'@'}1",
    heldOutHelp:
      'Changed views of pictures it did not learn from, searched against the gallery: found their own picture first.',
    ownProducts: "Own products, R{'@'}1",
    ownProductsHelp:
      'Each picture whose product has other pictures, searched against the rest: found its product first.',
    ownNone: 'No product has several pictures here: only the views could be measured.',
    change: '+{better} / −{worse} of {n}',
    state: {
      learning: 'learning',
      candidate: 'learned',
      active: 'on',
      retired: 'off',
      failed: 'failed',
    },
    verdict: { yes: 'Recommended', no: 'Not recommended' },
    reason: {
      improves:
        'The held-out views improve and your products’ own pictures match each other at least as well.',
      improvesViewsOnly:
        'The held-out views improve; no product has several pictures to check it against, so try it with a quality run before relying on it.',
      ownProductsWorse:
        'Your products’ own pictures match each other less well after adapting: keep the plain descriptor.',
      viewsNotBetter: 'The held-out views do not improve: keep the plain descriptor.',
    },
    sampled: '{n} pictures sampled',
    created: 'learned {date}',
    started: 'started {date}',
    jobTitle: 'Adapted space {id}: learning from {n} pictures',
    ended: 'Learned and measured on this gallery: see its figures in the Instance view.',
  },
}

const zh: typeof en = {
  space: {
    title: '自适应搜索空间',
    intro:
      'Loupe 可以让图片描述子适应这个图库:它从你自己的图片中学习(无需标注——每张图片与其一个变化视图),并在这些图片上测量前后对比。只有确实有帮助时才启用;已保存的向量不会改变,因此可以精确切换回去。',
    usingPlain: '搜索使用原始描述子。',
    usingSpace: '搜索使用适配空间 {id}(启用于 {date})。',
    pictures: '有 {n} 张图片可用于学习空间(至少 {min} 张;几千张最佳)。',
    tooFew: '至少需要 {min} 张图片才能学习空间:此图库有 {n} 张。',
    suggest:
      '此图库已超过 {n} 张图片:从中学习的空间可能更好地找到你的商品。学习在后台以任务运行,在你启用之前不会改变任何内容。',
    learn: '从此图库学习',
    learnAgain: '重新学习',
    learning: '正在学习… 第 {done} / {total} 步(为每张抽样图片描述一个变化视图,然后学习)',
    learningQueued: '学习任务正在任务队列中等待。',
    learningPaused: '学习已暂停:请在任务面板中继续。',
    switchOn: '启用',
    switchOnAnyway: '仍然启用',
    switchOff: '切换回原始描述子',
    switching: '正在重新投影图库… 搜索将等待几秒。',
    switchedOn: '搜索现在使用适配空间 {id}。',
    switchedOff: '搜索已重新使用原始描述子。',
    none: '尚未学习任何空间。',
    col: {
      space: '空间',
      measure: '在此图库上的测量',
      before: '原始',
      after: '适配后',
      change: '查询',
    },
    heldOut: "保留视图,R{'@'}1",
    heldOutHelp: '未参与学习的图片的变化视图在图库中搜索:首位是其本身的比例。',
    ownProducts: "同商品图片,R{'@'}1",
    ownProductsHelp: '商品有多张图片时,每张在其余图片中搜索:首位是同一商品的比例。',
    ownNone: '此图库中没有商品有多张图片:只能测量视图。',
    change: '+{better} / −{worse},共 {n}',
    state: {
      learning: '学习中',
      candidate: '已学习',
      active: '已启用',
      retired: '未启用',
      failed: '失败',
    },
    verdict: { yes: '推荐', no: '不推荐' },
    reason: {
      improves: '保留视图有所提升,且同一商品的图片之间的匹配没有变差。',
      improvesViewsOnly:
        '保留视图有所提升;但没有商品有多张图片可供核对,请先用质量评测验证再依赖它。',
      ownProductsWorse: '适配后同一商品的图片之间匹配变差:请保持原始描述子。',
      viewsNotBetter: '保留视图没有提升:请保持原始描述子。',
    },
    sampled: '抽样 {n} 张图片',
    created: '学习于 {date}',
    started: '开始于 {date}',
    jobTitle: '适配空间 {id}:从 {n} 张图片学习',
    ended: '已在此图库上学习并测量:请在实例视图中查看结果。',
  },
}

export default { 'en-US': en, 'zh-CN': zh }
