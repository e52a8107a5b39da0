import { entry } from './entry'

/** The local engine's gallery-adapted space (engines/local/space.ts). */
export const SPACE_ERRORS = {
  SpaceNeedsLocalEngine: entry(
    400,
    'invalid',
    [
      "An adapted space is learned by Loupe's local engine; this profile's engine is Alibaba Cloud's.",
      'Choose a local profile (the cloud instance keeps its own descriptor).',
    ],
    [
      '适配空间由 Loupe 的本地引擎学习;该连接配置使用的是阿里云的引擎。',
      '请选择本地连接配置(云端实例使用其自身的描述子)。',
    ],
  ),
  SpaceNotFound: entry(
    404,
    'invalid',
    [
      'This adapted space is not in the engine.',
      'Show the adapted spaces again and pick one of the list.',
    ],
    ['引擎中没有这个适配空间。', '请重新显示适配空间,并从列表中选择。'],
  ),
  SpaceNotReady: entry(
    409,
    'invalid',
    [
      'This adapted space cannot be switched on: it is not learned yet, failed, or was learned for another picture model.',
      'Wait for its job to finish, or learn a new one.',
    ],
    [
      '无法启用这个适配空间:它尚未学习完成、学习失败,或是为另一个图片模型学习的。',
      '请等待其任务完成,或重新学习一个。',
    ],
  ),
  SpaceNotRecommended: entry(
    409,
    'invalid',
    [
      "The gallery's own measure found this adapted space no better: switching it on could make searches worse.",
      'Keep the plain descriptor, or switch it on anyway (--force, or "Switch on anyway") and compare with a quality run.',
    ],
    [
      '图库自身的测量显示这个适配空间并没有更好:启用它可能让搜索变差。',
      '请保持原始描述子,或坚持启用(--force 或“仍然启用”)并用质量评测对比。',
    ],
  ),
  SpaceTooFewPictures: entry(
    400,
    'invalid',
    [
      'The gallery has too few pictures with a stored copy to learn an adapted space from.',
      'Add more pictures (a few thousand is best), then learn again.',
    ],
    ['图库中保存了副本的图片太少,无法学习适配空间。', '请添加更多图片(最好几千张),然后重新学习。'],
  ),
  SpaceBusy: entry(
    409,
    'invalid',
    [
      'An adapted space is being learned or switched for this profile already.',
      'Wait for it to finish (see the Jobs panel), then try again.',
    ],
    ['该连接配置正在学习或切换适配空间。', '请等待其完成(见任务面板),然后重试。'],
  ),
} as const
