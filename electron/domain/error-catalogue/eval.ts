import { entry } from './entry'

/** The search-quality lab: test sets and runs. */
export const EVAL_ERRORS = {
  EvalRunNotFound: entry(
    404,
    'invalid',
    ['This quality run no longer exists.', 'Refresh the list of runs.'],
    ['此质量评测已不存在。', '请刷新评测列表。'],
  ),
  TestSetEmpty: entry(
    400,
    'invalid',
    [
      'The test set gives no query.',
      'Each query picture needs the product id it should find: check the naming rule, or the path and productId columns of the CSV / JSON lines.',
    ],
    [
      '测试集中没有可用的查询。',
      '每张查询图片都需要它应找到的商品 ID:请检查命名规则,或 CSV / JSON 行中的 path 与 productId 列。',
    ],
  ),
  EvalRunRunning: entry(
    409,
    'invalid',
    ['The quality run is still running.', 'Pause or cancel its job first.'],
    ['质量评测仍在运行。', '请先暂停或取消它的任务。'],
  ),
} as const
