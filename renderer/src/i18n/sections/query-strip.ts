/**
 * Messages of the Search view's compact query strip (components/search/QueryStrip.vue): after a
 * search the query folds into one line so that it and the results are in view together.
 */
const en = {
  queryStrip: {
    label: 'The query of these results',
    edit: 'Edit query',
    collapse: 'Fold the query',
    newPicture: 'Search with another picture',
    dropHere:
      'Drop a picture on this strip, paste one (Ctrl+V / ⌘V) or choose one to search again.',
    region: 'Region {region}',
    mainSubject: 'Main subject',
    wholePicture: 'Whole picture',
    subjects: 'Other subjects:',
    categoryAuto: 'Category: detect',
    perPage: '{n} per page',
    scoreAtLeast: 'Score ≥ {v}',
    upscale: 'Enlarged to the minimum size',
    pad: 'Padded to the minimum size',
    product: 'Product {id}',
    picture: 'Picture {name}',
    searching: 'Searching…',
  },
}

const zh: typeof en = {
  queryStrip: {
    label: '这些结果的查询条件',
    edit: '修改查询',
    collapse: '收起查询',
    newPicture: '换一张图片搜索',
    dropHere: '将图片拖到此栏、粘贴(Ctrl+V / ⌘V)或选择一张图片即可重新搜索。',
    region: '区域 {region}',
    mainSubject: '主体',
    wholePicture: '整张图片',
    subjects: '其他主体:',
    categoryAuto: '类目:自动识别',
    perPage: '每页 {n} 条',
    scoreAtLeast: '分数 ≥ {v}',
    upscale: '已放大到最小尺寸',
    pad: '已补边到最小尺寸',
    product: '商品 {id}',
    picture: '图片 {name}',
    searching: '正在搜索…',
  },
}

export default { 'en-US': en, 'zh-CN': zh }
