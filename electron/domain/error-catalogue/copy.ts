import { entry } from './entry'

/** Copying or syncing a gallery between profiles (the `copy` domain, `loupe copy`). */
export const COPY_ERRORS = {
  CopyTargetFull: entry(
    409,
    'invalid',
    [
      'The target cannot hold this copy[: {short} pictures too many].',
      'Copy part of the gallery (a filter, a category, some products), delete pictures from the target, or raise its capacity.',
    ],
    [
      '目标容量不足,无法完成此复制[:多出 {short} 张图片]。',
      '请只复制部分图库(过滤条件、类目或部分商品)、删除目标中的图片,或提高其容量。',
    ],
  ),
  CopyDeletesNotConfirmed: entry(
    409,
    'invalid',
    [
      'This sync deletes[ {count}] pictures from the target that the source no longer has.',
      'Look at the list of deletes and confirm them (loupe copy --yes).',
    ],
    [
      '此同步会从目标删除源中已不存在的[ {count} 张]图片。',
      '请查看删除列表并确认(loupe copy --yes)。',
    ],
  ),
  CopySameProfile: entry(
    400,
    'invalid',
    ['A gallery cannot be copied onto itself.', 'Choose another target profile.'],
    ['不能将图库复制到其自身。', '请选择另一个目标配置。'],
  ),
  CopyNoPicture: entry(
    422,
    'invalid',
    [
      'No picture is available for this item.',
      'Loupe looks for the file it was added from (same content), the local engine’s stored copy and the OSS object of a batch task. Add the picture again from its file.',
    ],
    [
      '此条目没有可用的图片。',
      'Loupe 会依次查找添加时的原始文件(内容相同)、本地引擎保存的副本和批量任务的 OSS 对象。请从图片文件重新添加。',
    ],
  ),
  CopyPlanNotFound: entry(
    404,
    'invalid',
    [
      'This copy plan is no longer available (Loupe restarted, or it was started or discarded).',
      'Plan the copy again (dry run).',
    ],
    ['此复制计划已不可用(Loupe 已重启,或计划已开始或已丢弃)。', '请重新规划复制(试运行)。'],
  ),
  CopyNotACopyJob: entry(
    404,
    'invalid',
    ['This job is not a gallery copy.', 'Pick a job of kind “Copy gallery”.'],
    ['此任务不是图库复制。', '请选择类型为“复制图库”的任务。'],
  ),
} as const
